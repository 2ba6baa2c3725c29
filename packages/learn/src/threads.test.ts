import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { selectBackend } from '@clicktune/backends';
import { ClickTuneError } from '@clicktune/core';
import type { EpochRecord, LinearAdapter } from '@clicktune/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { fineTune } from './fine-tune';
import type { FoldTask } from './folds';
import { learnableTask } from './learnable-task.fixture';
import { resolveSettings } from './settings';

// Worker threads run the built worker script (dist/fold-worker.js): tests that need it skip, with the reason, before a build.
const built = fileURLToPath(new URL('../dist/threads.js', import.meta.url));
const threads = async () => (await import(pathToFileURL(built).href)) as typeof import('./threads');
// Vitest runs under Node's `--conditions @clicktune/source` (workspace sources); the workers run the built packages instead.
const BUILT = { execArgv: [] };
const needsBuild = existsSync(built) ? false : 'needs the built package (pnpm build): worker threads run dist/fold-worker.js';

async function weights(adapter: LinearAdapter): Promise<number[]> {
  return [...((await adapter.queryWeights?.data()) ?? []), ...((await adapter.itemWeights?.data()) ?? [])];
}

describe('threadedFolds', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('gives the same round as the folds trained one after another: scores, choice, decision, adapter and fold adapters', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { threadedFolds } = await threads();
    const { items, queries, sessions } = learnableTask(60, 2400);
    // A rate at which the pooled scores peak before the last epoch: the adapter served is an earlier epoch's.
    const settings = { learningRate: 0.2, weightDecay: 0, epochs: 8, folds: 4 };
    // Each epoch as onEpoch sees it: its record, and the adapter's weights then.
    const epochs = (seen: unknown[]) => async (record: EpochRecord, adapter: LinearAdapter) => void seen.push({ record, weights: await weights(adapter) });
    const seenInProcess: unknown[] = [];
    const seenThreaded: unknown[] = [];
    const inProcess = await fineTune({ sessions, items, queries, settings, keepFolds: true, onEpoch: epochs(seenInProcess) });
    // Three workers for four folds and the adapter to serve, which trains beside them (every epoch, its weights kept).
    const threaded = await fineTune({
      sessions,
      items,
      queries,
      settings,
      keepFolds: true,
      onEpoch: epochs(seenThreaded),
      foldRunner: threadedFolds({ workers: 3, backend: 'cpu', ...BUILT }),
    });
    expect(threaded.decision).toEqual(inProcess.decision);
    expect(threaded.decision.deploy).toBe(true);
    expect(threaded.result).toEqual(inProcess.result);
    expect(inProcess.result.history.length).toBeGreaterThan(0);
    expect(inProcess.result.history.length).toBeLessThan(settings.epochs);
    expect(seenThreaded).toEqual(seenInProcess);
    expect(seenThreaded).toHaveLength(inProcess.result.history.length);
    expect(await weights(threaded.adapter)).toEqual(await weights(inProcess.adapter));
    expect(threaded.foldAdapters).toHaveLength(4);
    for (const [fold, adapter] of (threaded.foldAdapters ?? []).entries()) expect(await weights(adapter)).toEqual(await weights(inProcess.foldAdapters?.[fold] as LinearAdapter));
    for (const run of [inProcess, threaded]) for (const adapter of [run.adapter, ...(run.foldAdapters ?? [])]) adapter.dispose();
  });

  it("a fold's error reaches the caller with its class's code and message", async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { threadedFolds } = await threads();
    const { items, queries, sessions } = learnableTask(20, 400);
    const lists = sessions.filter((session) => session.events.length > 0).slice(0, 8);
    const task: FoldTask = {
      fold: 0,
      settings: resolveSettings({ epochs: 1 }),
      lists,
      held: new Map(),
      heldKeys: [],
      // A pool naming a row the catalogue does not have: the trainer refuses it at the first step.
      hardNegativePools: new Map(lists.map((list) => [`id:${(list.query as { id: string }).id}`, Int32Array.of(items.size + 5)])),
      keepWeights: false,
    };
    const failure = await threadedFolds({ workers: 1, backend: 'cpu', ...BUILT })
      .run([task], { items, queries })
      .catch((error: unknown) => error);
    expect(ClickTuneError.isInstance(failure)).toBe(true);
    expect((failure as ClickTuneError).code).toBe('invalid-option');
    expect((failure as ClickTuneError).message).toMatch(/^hardNegativePools: hard-negative pool of id:q\d+ names row 205, outside the catalogue's 200 rows$/);
  });

  it('a worker that cannot start its backend fails the run with the reason', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { threadedFolds } = await threads();
    const { items, queries } = learnableTask(4, 10);
    const task: FoldTask = { fold: 0, settings: resolveSettings({}), lists: [], held: new Map(), heldKeys: [], keepWeights: false };
    await expect(threadedFolds({ workers: 1, backend: 'no-such-backend', ...BUILT }).run([task], { items, queries })).rejects.toThrow(/no-such-backend/);
  });

  it('stops when the signal is aborted: the round is reported interrupted and the model in service kept', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { threadedFolds } = await threads();
    const { items, queries, sessions } = learnableTask(60, 2400);
    const controller = new AbortController();
    controller.abort();
    const run = await fineTune({
      sessions,
      items,
      queries,
      settings: { epochs: 3, folds: 4 },
      signal: controller.signal,
      foldRunner: threadedFolds({ workers: 2, backend: 'cpu', ...BUILT }),
    });
    expect(run.result.interrupted).toBe(true);
    expect(run.decision.deploy).toBe(false);
    expect(run.decision.reason).toBe('interrupted before the gate could decide: keeping the model in service');
    run.adapter.dispose();
  });

  it('refuses a worker count that is not a whole number ≥ 1', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { threadedFolds } = await threads();
    expect(() => threadedFolds({ workers: 0, backend: 'cpu', ...BUILT })).toThrow(/workers must be a whole number ≥ 1, got 0/);
  });
});
