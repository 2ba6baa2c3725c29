import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors } from '@clicktune/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../tooling/chromium';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function clicktune(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input: options.input, env: { ...process.env, CLICKTUNE_BACKEND: 'cpu', ...options.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the CLI, sends `signal` `delay` ms after stderr first shows `marker`,
 * and returns the exit code and everything it wrote to stderr.
 */
async function interrupted(args: string[], options: { backend: string; marker: string; delay: number; signal: NodeJS.Signals }) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], { env: { ...process.env, CLICKTUNE_BACKEND: options.backend } });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(options.marker)) setTimeout(resolve, options.delay);
    });
  });
  child.kill(options.signal);
  return { code: await exit, stderr };
}

/** A tiny world: 12 items and 4 queries in 3-d, judged relevant by their first coordinate's sign. */
function fixture() {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-cli-'));
  const item = (index: number) => [Math.cos(index), Math.sin(index), ((index % 3) - 1) / 2];
  writeFileSync(join(folder, 'items.jsonl'), Array.from({ length: 12 }, (_, index) => JSON.stringify({ id: `i${index}`, embedding: item(index) })).join('\n'));
  writeFileSync(join(folder, 'queries.jsonl'), Array.from({ length: 4 }, (_, index) => JSON.stringify({ id: `q${index}`, embedding: item(index * 3 + 1) })).join('\n'));
  writeFileSync(
    join(folder, 'qrels.txt'),
    Array.from({ length: 4 }, (_, query) =>
      Array.from({ length: 12 }, (_, index) => (Math.cos(index) * Math.cos(query * 3 + 1) > 0.3 ? `q${query} 0 i${index} 1` : null))
        .filter(Boolean)
        .join('\n'),
    ).join('\n'),
  );
  return folder;
}

/** A query-only safetensors adapter over 3-d vectors whose [output, input] weight is `weight` (row-major). */
function adapterBytes(weight: number[]): Buffer {
  const header = JSON.stringify({
    __metadata__: { format: 'clicktune-linear-adapter', version: '1', towers: 'query', shared: 'false', residual: 'false', inputDimension: '3', outputDimension: '3' },
    'query_adapter.weight': { dtype: 'F32', shape: [3, 3], data_offsets: [0, 36] },
  });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, Buffer.from(header), Buffer.from(Float32Array.from(weight).buffer)]);
}

describe('clicktune (the real binary)', () => {
  it('--help lists the commands and exits 0', () => {
    const result = clicktune(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['demo', 'simulate', 'extract', 'train', 'evaluate', 'backends', 'bench']) expect(result.stdout).toContain(command);
  });

  it('backends --json lists reference, cpu and wasm as available', () => {
    const result = clicktune(['backends', '--json']);
    expect(result.code).toBe(0);
    const backends = JSON.parse(result.stdout) as Array<{ name: string; available: boolean }>;
    for (const name of ['reference', 'cpu', 'wasm']) expect(backends.find((backend) => backend.name === name)?.available).toBe(true);
    // Probing webgpu prints no native warning that reads as a crash (Dawn's "Couldn't load Vulkan … at operator() (…/BackendVk.cpp:368)").
    expect(result.stderr).not.toMatch(/Vulkan|\.cpp:\d+/);
  });

  const chromium = findChromium();
  it.skipIf(!chromium)(`backends --chromium probes webgpu, webgl and wasm inside a headless Chromium page${chromium ? '' : ' — skipped: no Chromium installed'}`, () => {
    const result = clicktune(['backends', '--chromium', '--json']);
    expect(result.code).toBe(0);
    const backends = JSON.parse(result.stdout) as Array<{ name: string; available: boolean; detail: string }>;
    const inPage = (name: string) => backends.find((backend) => backend.name === `${name} (chromium)`);
    for (const name of ['webgpu', 'webgl', 'wasm', 'cpu', 'reference']) expect(inPage(name)?.available).toBe(true);
    expect(inPage('node')).toMatchObject({ available: false, detail: 'runs in node, not in browser' });
    // In Node, webgl says why it cannot run there.
    expect(backends.find((backend) => backend.name === 'webgl')).toMatchObject({ available: false, detail: 'runs in browser, not in node' });
  });

  it('simulate → extract → train → evaluate on files', () => {
    const folder = fixture();
    const data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl')];
    const sessions = join(folder, 'sessions.jsonl');
    const simulated = clicktune(['simulate', ...data, '--qrels', join(folder, 'qrels.txt'), '--sessions', '200', '--top-k', '6', '--out', sessions, '--json']);
    expect(simulated.stderr).toBe('');
    expect(simulated.code).toBe(0);
    expect(JSON.parse(simulated.stdout).sessions).toBe(200);
    const lines = readFileSync(sessions, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(JSON.parse(lines[0] as string).results).toHaveLength(6);

    const features = join(folder, 'features.jsonl');
    const extracted = clicktune(['extract', ...data, '--sessions', sessions, '--out', features, '--json', '--max-difference', '2']);
    expect(extracted.code).toBe(0);
    const summary = JSON.parse(extracted.stdout);
    expect(summary.pairs).toBeGreaterThan(0);
    expect(readFileSync(features, 'utf8').trim().split('\n')).toHaveLength(summary.pairs);

    const adapter = join(folder, 'adapter.safetensors');
    const trained = clicktune(['train', ...data, '--sessions', sessions, '--out', adapter, '--epochs', '2', '--batch-size', '32', '--json']);
    expect(trained.code).toBe(0);
    const trainedSummary = JSON.parse(trained.stdout);
    // Cross-fitting by default: the served adapter trains for the number of epochs (≤ 2) the folds chose.
    expect(trainedSummary.selection).toContain('5-fold cross-fitting');
    expect(trainedSummary.history.length).toBeLessThanOrEqual(2);
    // The default is the harness's method, and the run says what it trained on and how it kept an epoch.
    expect(trainedSummary.method).toBe('clicktune');
    expect(trained.stderr).toMatch(/method clicktune: \d+ training sessions \(\d+ training lists, one per query with a click-model relevant result\)/);
    // --min-clicks and --click-threshold reach the click model's labels: every clicked pair relevant gives at least as many lists, none gives none.
    const listsOf = (stderr: string) => Number(/\((\d+) training lists/.exec(stderr)?.[1]);
    const loose = clicktune(['train', ...data, '--sessions', sessions, '--out', join(folder, 'loose.safetensors'), '--epochs', '1', '--min-clicks', '1', '--click-threshold', '0']);
    expect(loose.code).toBe(0);
    expect(listsOf(trained.stderr)).toBeGreaterThan(0);
    expect(listsOf(loose.stderr)).toBeGreaterThanOrEqual(listsOf(trained.stderr));
    const strict = clicktune(['train', ...data, '--sessions', sessions, '--out', join(folder, 'strict.safetensors'), '--epochs', '1', '--min-clicks', '100000']);
    expect(strict.stderr).not.toMatch(/\(\d*[1-9]\d* training lists/);
    expect(strict.code).toBe(0);
    expect(strict.stderr).toMatch(/kept the model in service: no \(query, result\) pair of the 200 sessions has the clicks to be called relevant \(≥ 100000 clicks/);
    // Four queries are too few to tell the adapters apart with confidence: the identity stays in service, and the run says so.
    expect(trainedSummary.deployed).toBe(false);
    expect(trained.stderr).toMatch(/kept the model in service: .*not enough evidence, keeping the model in service/);
    // With one held-out split (10% of four queries: none), there is nothing to gate on at all.
    const split = clicktune([
      'train',
      ...data,
      '--sessions',
      sessions,
      '--out',
      join(folder, 'split.safetensors'),
      '--epochs',
      '2',
      '--batch-size',
      '32',
      '--folds',
      '1',
      '--json',
    ]);
    expect(split.code).toBe(0);
    expect(JSON.parse(split.stdout).history).toHaveLength(2);
    expect(split.stderr).toContain('kept the model in service: no judged validation queries to compare on: not enough evidence, keeping the model in service');
    expect(existsSync(adapter)).toBe(true);
    // A later round: the gate compares the retrained adapter with the one in service; two validation
    // queries are too little evidence, so the adapter in service is written back unchanged.
    const roundArgs = ['--sessions', sessions, '--epochs', '3', '--batch-size', '32', '--validation-fraction', '0.5', '--json'];
    const firstRound = join(folder, 'round1.safetensors');
    expect(clicktune(['train', ...data, ...roundArgs, '--out', firstRound]).code).toBe(0);
    const secondRound = clicktune(['train', ...data, ...roundArgs, '--out', join(folder, 'round2.safetensors'), '--in-service', firstRound]);
    expect(secondRound.code).toBe(0);
    const second = JSON.parse(secondRound.stdout);
    expect(second.deployed).toBe(false);
    expect(second.decision.deploy).toBe(false);
    expect(second.decision.reason).toMatch(/not enough evidence, keeping the model in service$/);
    expect(readFileSync(join(folder, 'round2.safetensors'))).toEqual(readFileSync(firstRound));
    const pairwise = clicktune(['train', ...data, '--sessions', sessions, '--out', join(folder, 'pairwise.safetensors'), '--method', 'pairwise', '--epochs', '1', '--json']);
    expect(pairwise.code).toBe(0);
    expect(JSON.parse(pairwise.stdout).method).toBe('pairwise');
    const badMethod = clicktune(['train', ...data, '--sessions', sessions, '--out', join(folder, 'bad.safetensors'), '--method', 'listwise']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toContain('--method must be clicktune or pairwise');
    // Sessions without clicks teach the click model nothing: the identity stays in service, and the run says why.
    const unclicked = join(folder, 'unclicked.jsonl');
    writeFileSync(
      unclicked,
      readFileSync(sessions, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.stringify({ ...JSON.parse(line), events: [] }))
        .join('\n'),
    );
    const noClicks = clicktune(['train', ...data, '--sessions', unclicked, '--out', join(folder, 'none.safetensors')]);
    expect(noClicks.code).toBe(0);
    expect(noClicks.stderr).toMatch(
      /kept the model in service: no \(query, result\) pair of the \d+ (training )?sessions has the clicks to be called relevant .*: not enough evidence, keeping the model in service/,
    );
    expect(noClicks.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(folder, 'none.safetensors'))).toBe(true);

    // With a small labelled set, the kept epoch is chosen by its NDCG@10 instead of clicks, and the run says so.
    const labelled = join(folder, 'labelled.safetensors');
    writeFileSync(join(folder, 'dev-queries.txt'), 'q0\nq1\n');
    const selectArgs = ['--qrels', join(folder, 'qrels.txt'), '--select-with-qrels', '--select-query-ids', join(folder, 'dev-queries.txt')];
    const selected = clicktune(['train', ...data, ...selectArgs, '--sessions', sessions, '--out', labelled, '--epochs', '2', '--batch-size', '32', '--json']);
    expect(selected.code).toBe(0);
    expect(selected.stderr).toContain('selecting the kept epoch by NDCG@10 on 2 labelled queries (qrels), not by clicks');
    const selectedRun = JSON.parse(selected.stdout) as {
      history: Array<{ selectionScore: number | null }>;
      decision: { criterion: string; comparison: { queries: number } | null };
    };
    // Every epoch was scored on the two labelled queries, and the gate compared on them too.
    expect(selectedRun.history).toHaveLength(2);
    for (const record of selectedRun.history) expect(Number.isFinite(record.selectionScore)).toBe(true);
    expect(selectedRun.decision.criterion).toBe('NDCG@10 (qrels) of labelled queries');
    expect(selectedRun.decision.comparison?.queries).toBe(2);
    const misused = clicktune(['train', ...data, '--select-query-ids', join(folder, 'dev-queries.txt'), '--sessions', sessions, '--out', labelled]);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toContain('--select-query-ids needs --select-with-qrels');

    const evaluated = clicktune(['evaluate', ...data, '--qrels', join(folder, 'qrels.txt'), '--adapter', adapter, '--k', '5', '--json']);
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout);
    expect(metrics.queries).toBe(4);
    expect(metrics.ndcg).toBeGreaterThan(0);
  });

  it('demo runs the whole loop on the embedded sample and writes its report', { timeout: 300_000 }, () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-demo-'));
    const report = join(folder, 'report.html');
    const result = clicktune(['demo', '--sessions', '3000', '--epochs', '2', '--report', report, '--json']);
    expect(result.code).toBe(0);
    const demo = JSON.parse(result.stdout);
    expect(demo.runs.map((run: { variant: { logging: string } }) => run.variant.logging)).toEqual(['top-10', 'exploration']);
    expect(demo.runs[1].explorationShare).toBe(0.2);
    // Two slots at the 3rd and 5th positions drawn from ranks 9–20; what users saw is reported on the labels.
    expect(demo.runs.map((run: { loggingPolicy: string }) => run.loggingPolicy)).toEqual(['none', 'slots(2/10 at 3,5, depth 20)']);
    for (const run of demo.runs) expect(run.shownDcg).toBeGreaterThan(0);
    // Two deploy-log-retrain rounds by default.
    expect(demo.settings.rounds).toBe(2);
    expect(demo.runs.map((run: { rounds: number }) => run.rounds)).toEqual([2, 2]);
    expect(demo.before.ndcg).toBeGreaterThan(0.15);
    // The gate decided each round, with its numbers.
    for (const run of demo.runs) {
      expect(run.decisions).toHaveLength(2);
      for (const decision of run.decisions) expect(decision.reason).toMatch(/(deploying the new adapter|keeping the model in service)$/);
    }
    expect(result.stderr).toBe('');
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<strong>simulated</strong>');
    expect(html).toContain('held-out NDCG@10');
    expect(html).not.toMatch(/<script|(src|href)="https?:/);
    const noRounds = clicktune(['demo', '--rounds', '0', '--report', report]);
    expect(noRounds.code).toBe(2);
    expect(noRounds.stderr).toContain('--rounds');
    expect(noRounds.stderr).not.toMatch(/\n\s+at /);
  });

  it('experiment reports every variant for every seed', () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-experiment-'));
    const result = clicktune(['experiment', '--sample', 'emoji', '--seeds', '4', '--epochs', '1', '--sessions', '2000', '--rounds', '1', '--out', folder]);
    expect(result.code).toBe(0);
    for (const name of [
      'base embeddings',
      'original method',
      'ClickTune, top-10 logs',
      'ClickTune, exploration logs',
      'supervised ceiling',
      'epoch chosen on ~100 labelled queries',
    ])
      expect(result.stdout).toContain(name);
    const saved = JSON.parse(readFileSync(join(folder, 'experiment.json'), 'utf8'));
    expect(saved.runs).toHaveLength(6);
    expect(saved.settings.rounds).toBe(1);
    expect(readFileSync(join(folder, 'experiment.svg'), 'utf8')).toContain('<svg');
    // Every trained run reports the gate's decision; the original method runs without the gate, as EmbeddingStudio does.
    for (const run of saved.runs.filter((entry: { variant: { training: string } }) => entry.variant.training !== 'none')) expect(run.decisions).toHaveLength(1);
    expect(saved.runs.find((run: { variant: { training: string } }) => run.variant.training === 'original').decisions[0].reason).toContain('the gate is off');
  });

  it("experiment and demo run on a user's own files, and refuse an output they could not write before running", () => {
    const folder = fixture();
    const data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl'), '--qrels', join(folder, 'qrels.txt')];
    const out = join(folder, 'results');
    const result = clicktune(['experiment', ...data, '--seeds', '1', '--epochs', '1', '--sessions', '200', '--rounds', '1', '--towers', 'query', '--out', out]);
    expect(result.code).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8'));
    expect(saved.tasks).toEqual(['items']);
    expect(saved.settings.training.towers).toBe('query');
    expect(result.stdout).toContain('### items');
    const blocked = join(folder, 'a-file');
    writeFileSync(blocked, 'x');
    const refused = clicktune(['experiment', ...data, '--seeds', '1', '--out', join(blocked, 'sub')]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/a-file\/sub: cannot create the folder: .*a-file is a file\n$/);
    // Under /proc a recursive mkdir never returns; this one must fail at once.
    const proc = clicktune(['experiment', ...data, '--seeds', '1', '--out', '/proc/clicktune-results']);
    expect(proc.code).toBe(4);
    expect(proc.stderr).toMatch(/^clicktune: \/proc\/clicktune-results: cannot create the folder/);
    const demo = clicktune(['demo', ...data, '--sessions', '200', '--epochs', '1', '--report', join(folder, 'missing', 'report.html')]);
    expect(demo.code).toBe(4);
    expect(demo.stderr).toMatch(/report\.html: cannot write here: the folder .*missing does not exist/);
  });

  it('evaluate --per-query and --run: the figures of each query by hand, and a TREC run file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-cli-'));
    writeFileSync(join(folder, 'items.jsonl'), ['{"id":"a","embedding":[1,0]}', '{"id":"b","embedding":[0.8,0.6]}', '{"id":"c","embedding":[0,1]}'].join('\n'));
    writeFileSync(join(folder, 'queries.jsonl'), ['{"id":"q1","embedding":[1,0]}', '{"id":"q2","embedding":[0,1]}'].join('\n'));
    writeFileSync(join(folder, 'qrels.txt'), 'q1 0 b 1\nq2 0 c 2\n');
    const data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl'), '--qrels', join(folder, 'qrels.txt')];
    const run = join(folder, 'run.txt');
    const result = clicktune(['evaluate', ...data, '--per-query', '--run', run]);
    expect(result.code).toBe(0);
    // q1 ranks a (cos 1), b (0.8), c (0): its one relevant item at rank 2 → MRR 1/2, NDCG (2¹ − 1)/log2(3) = 0.6309; q2 finds c first → 1, 1.
    expect(result.stdout.trim().split('\n')).toEqual([
      'query\tMRR@10\tNDCG@10\tRecall@10',
      'q1\t0.5000\t0.6309\t1.0000',
      'q2\t1.0000\t1.0000\t1.0000',
      'all\t0.7500\t0.8155\t1.0000',
    ]);
    const lines = readFileSync(run, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    expect(lines.map((fields) => [fields[0], fields[1], fields[2], fields[3], fields[5]].join(' '))).toEqual([
      'q1 Q0 a 1 clicktune',
      'q1 Q0 b 2 clicktune',
      'q1 Q0 c 3 clicktune',
      'q2 Q0 c 1 clicktune',
      'q2 Q0 b 2 clicktune',
      'q2 Q0 a 3 clicktune',
    ]);
    expect(Number(lines[1]?.[4])).toBeCloseTo(0.8, 5);
    const json = JSON.parse(clicktune(['evaluate', ...data, '--per-query', '--json']).stdout);
    expect(json.perQuery.map((row: { query: string; mrr: number }) => [row.query, row.mrr])).toEqual([
      ['q1', 0.5],
      ['q2', 1],
    ]);
  });

  it('a later round compares with the adapter in service out of fold, through the fold adapters its own run wrote (--folds-out, --in-service-folds)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-rounds-'));
    const log = join(folder, 'log.jsonl');
    expect(clicktune(['simulate', '--sample', 'emoji', '--sessions', '6000', '--out', log]).code).toBe(0);
    const args = ['train', '--sample', 'emoji', '--sessions', log, '--epochs', '4', '--folds', '3', '--json'];
    const file = (name: string) => join(folder, name);
    const first = clicktune([...args, '--out', file('r1.safetensors'), '--folds-out', file('f1.safetensors')]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).deployed).toBe(true);
    const folds = decodeSafetensors(readFileSync(file('f1.safetensors')));
    expect(folds.metadata).toMatchObject({ format: 'clicktune-fold-adapters', folds: '3' });
    // Retrained on the same log with the same seed, the candidate's folds are the folds in service: every query ties, out of fold.
    const second = clicktune([
      ...args,
      '--out',
      file('r2.safetensors'),
      '--in-service',
      file('r1.safetensors'),
      '--in-service-folds',
      file('f1.safetensors'),
      '--folds-out',
      file('f2.safetensors'),
    ]);
    expect(second.code).toBe(0);
    const decision = JSON.parse(second.stdout).decision;
    expect(decision.deploy).toBe(false);
    expect(decision.comparison.differing).toBe(0);
    expect(decision.comparison.inServiceScore).toBe(decision.comparison.candidateScore);
    // What is served and its folds carry over unchanged.
    expect(decodeSafetensors(readFileSync(file('r2.safetensors'))).tensors).toEqual(decodeSafetensors(readFileSync(file('r1.safetensors'))).tensors);
    expect(readFileSync(file('f2.safetensors'))).toEqual(readFileSync(file('f1.safetensors')));
    // Without its folds, the adapter in service is scored on queries it trained on: it looks better than it is, and the run says so.
    const inSample = clicktune([...args, '--out', file('r3.safetensors'), '--in-service', file('r1.safetensors')]);
    expect(inSample.stderr).toContain('the adapter in service is compared in sample');
    expect(JSON.parse(inSample.stdout).decision.comparison.inServiceScore).toBeGreaterThan(decision.comparison.inServiceScore);
    const mismatch = clicktune([
      ...args.slice(0, -3),
      '--folds',
      '2',
      '--out',
      file('r4.safetensors'),
      '--in-service',
      file('r1.safetensors'),
      '--in-service-folds',
      file('f1.safetensors'),
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('--in-service-folds has 3 fold adapters; this run has --folds 2');
  });

  it('simulate serves with an adapter and explores: deploy → log → retrain on your own qrels', () => {
    const folder = fixture();
    const data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl'), '--qrels', join(folder, 'qrels.txt')];
    const sessions = join(folder, 'explored.jsonl');
    const explored = clicktune(['simulate', ...data, '--sessions', '50', '--top-k', '4', '--slots', '1', '--depth', '8', '--positions', '1', '--out', sessions, '--json']);
    expect(explored.code).toBe(0);
    expect(JSON.parse(explored.stdout).policy).toBe('slots(1/4 at 2, depth 8)');
    const logged = readFileSync(sessions, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The explored position logs a propensity of 1/5 (drawn from the five ranks 4–8), the fixed ones 1.
    for (const session of logged) {
      expect(session.results).toHaveLength(4);
      expect(session.propensities[session.results[1]]).toBeCloseTo(1 / 5, 12);
      expect(session.propensities[session.results[0]]).toBe(1);
    }
    // An adapter that swaps the first two coordinates serves other lists than the base embeddings.
    const swap = join(folder, 'swap.safetensors');
    writeFileSync(swap, adapterBytes([0, 1, 0, 1, 0, 0, 0, 0, 1]));
    const base = clicktune(['simulate', ...data, '--sessions', '20', '--top-k', '3', '--out', join(folder, 'base.jsonl')]);
    const served = clicktune(['simulate', ...data, '--sessions', '20', '--top-k', '3', '--adapter', swap, '--out', join(folder, 'served.jsonl')]);
    expect(base.code).toBe(0);
    expect(served.code).toBe(0);
    const firstResults = (file: string) =>
      readFileSync(join(folder, file), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).results.join(','));
    expect(firstResults('served.jsonl')).not.toEqual(firstResults('base.jsonl'));
    const tooMany = clicktune(['simulate', ...data, '--sessions', '1e15', '--out', join(folder, 'huge.jsonl')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--sessions must be/);
    expect(existsSync(join(folder, 'huge.jsonl'))).toBe(false);
  });

  it('reads sessions from stdin', () => {
    const folder = fixture();
    const session = JSON.stringify({ query: 'q0', results: ['i0', 'i1', 'i2'], events: ['i1'], ranks: { i0: 3, i1: 2, i2: 1 } });
    const result = clicktune(
      ['extract', '--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl'), '--sessions', '-', '--out', '-', '--max-difference', '2'],
      { input: `${session}\n` },
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
  });

  describe('user mistakes: one line naming file:line:field, a documented exit code, no stack, no partial output', () => {
    // Made before the cases run, not while they are collected: the test's temporary folder exists only then.
    let folder = '';
    let data: string[] = [];
    let out = '';
    beforeAll(() => {
      folder = fixture();
      data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl')];
      out = join(folder, 'never-written.jsonl');
    });
    const write = (name: string, text: string) => {
      writeFileSync(join(folder, name), text);
      return join(folder, name);
    };
    const good = JSON.stringify({ query: 'q0', results: ['i0', 'i1'], events: ['i0'], ranks: { i0: 1, i1: 0 } });
    const cases: Array<[string, () => string[], number, RegExp]> = [
      ['missing file', () => ['extract', ...data, '--sessions', join(folder, 'nope.jsonl'), '--out', out], 4, /nope\.jsonl: no such file\n$/],
      [
        'bad JSON at line 3',
        () => ['extract', ...data, '--sessions', write('bad-json.jsonl', `${good}\n${good}\n{"query": oops}\n`), '--out', out],
        3,
        /bad-json\.jsonl:3: not valid JSON/,
      ],
      [
        'unknown item id',
        () => [
          'extract',
          ...data,
          '--sessions',
          write('unknown.jsonl', `${JSON.stringify({ query: 'q0', results: ['i0', 'zz'], events: ['i0'], ranks: { i0: 1, zz: 0 } })}\n`),
          '--out',
          out,
        ],
        3,
        /1 unknown item id: "zz"/,
      ],
      [
        'NaN rank on line 2',
        () => ['extract', ...data, '--sessions', write('nan.jsonl', `${good}\n{"query":"q0","results":["i0"],"ranks":{"i0":"NaN"}}\n`), '--out', out],
        3,
        /nan\.jsonl:2: ranks\.i0: must be a finite number/,
      ],
      [
        'wrong dimension',
        () => [
          'extract',
          '--items',
          write('items-bad.jsonl', '{"id":"a","embedding":[1,2,3]}\n{"id":"b","embedding":[1,2]}\n'),
          '--queries',
          join(folder, 'queries.jsonl'),
          '--sessions',
          write('s.jsonl', `${good}\n`),
          '--out',
          out,
        ],
        3,
        /items-bad\.jsonl:2: embedding: has length 2, earlier items have 3/,
      ],
      [
        'duplicate item id',
        () => ['extract', '--items', write('dup.jsonl', '{"id":"a","embedding":[1]}\n{"id":"a","embedding":[2]}\n'), '--sessions', write('s2.jsonl', `${good}\n`), '--out', out],
        3,
        /dup\.jsonl:2: id: duplicate item id "a"/,
      ],
      ['empty sessions file', () => ['train', ...data, '--sessions', write('empty.jsonl', '\n\n'), '--out', out], 3, /empty\.jsonl: no sessions in the file/],
      ['unknown backend', () => ['extract', ...data, '--sessions', write('s3.jsonl', `${good}\n`), '--out', out, '--backend', 'tpu'], 2, /unknown backend "tpu"/],
      ['bad flag value', () => ['train', ...data, '--sessions', write('s4.jsonl', `${good}\n`), '--out', out, '--epochs', '0'], 2, /--epochs must be a whole number > 0/],
      ['unknown option', () => ['evaluate', '--frobnicate'], 2, /unknown option '--frobnicate'/],
      [
        'not a ClickTune adapter',
        () => ['evaluate', ...data, '--qrels', join(folder, 'qrels.txt'), '--adapter', write('weights.safetensors', 'not weights')],
        6,
        /weights\.safetensors: not a safetensors file/,
      ],
    ];
    it.each(cases.map(([name, args, code, message]) => [name, code, args, message] as const))('%s → exit %s', (_name, code, args, message) => {
      const result = clicktune(args());
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  });

  it('Ctrl-C or SIGTERM mid-epoch leaves a checkpoint; --resume then writes the same adapter as an uninterrupted run, bit for bit', { timeout: 300_000 }, async () => {
    const folder = fixture();
    const data = ['--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl')];
    const sessions = join(folder, 'sessions.jsonl');
    expect(clicktune(['simulate', ...data, '--qrels', join(folder, 'qrels.txt'), '--sessions', '3000', '--out', sessions]).code).toBe(0);
    // The pairwise method trains on every session (3,000 batches of one, seconds an epoch), so the stop lands mid-epoch; no gate, so the trained weights are written.
    const trainArgs = (out: string) => [
      'train',
      ...data,
      '--sessions',
      sessions,
      '--out',
      out,
      '--method',
      'pairwise',
      '--no-gate',
      '--folds',
      '1',
      '--epochs',
      '3',
      '--batch-size',
      '1',
      '--patience',
      '0',
      '--history',
      `${out}.history.json`,
    ];
    const history = (out: string) => JSON.parse(readFileSync(`${out}.history.json`, 'utf8'));
    const straight = join(folder, 'straight.safetensors');
    expect(clicktune(trainArgs(straight)).code).toBe(0);
    expect(history(straight)).toHaveLength(3);
    // A finished run leaves no checkpoint behind.
    expect(existsSync(`${straight}.checkpoint`)).toBe(false);

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const adapter = join(folder, `adapter-${signal}.safetensors`);
      // A moment into the second epoch: the stop lands mid-epoch.
      const { code, stderr } = await interrupted(trainArgs(adapter), { backend: 'cpu', marker: 'epoch 1:', delay: 200, signal });
      expect(code).toBe(130);
      expect(stderr).toMatch(/checkpoint at .*\.checkpoint/);
      expect(existsSync(`${adapter}.checkpoint`)).toBe(true);
      expect(existsSync(adapter)).toBe(false);
      const resumed = clicktune([...trainArgs(adapter), '--resume']);
      expect(resumed.code).toBe(0);
      // Each epoch once in the history (the interrupted one is not listed twice), and the same adapter bytes.
      expect(history(adapter)).toEqual(history(straight));
      expect(readFileSync(adapter).equals(readFileSync(straight))).toBe(true);
      expect(existsSync(`${adapter}.checkpoint`)).toBe(false);
    }
  });

  it('cross-fitted folds in worker threads: the same adapter bytes as in one thread, no checkpoint; Ctrl-C stops every worker and leaves nothing', {
    timeout: 300_000,
  }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-cli-'));
    const sessions = join(folder, 'sessions.jsonl');
    expect(clicktune(['simulate', '--sample', 'emoji', '--sessions', '3000', '--out', sessions]).code).toBe(0);
    const train = (out: string, workers: string) => ['train', '--sample', 'emoji', '--sessions', sessions, '--out', out, '--epochs', '6', '--workers', workers];
    const wasm = { env: { CLICKTUNE_BACKEND: 'wasm' } };
    const threaded = join(folder, 'threads.safetensors');
    const single = join(folder, 'single.safetensors');
    const inThreads = clicktune(train(threaded, '2'), wasm);
    expect(inThreads.code, inThreads.stderr).toBe(0);
    expect(clicktune(train(single, '1'), wasm).code).toBe(0);
    expect(readFileSync(threaded).equals(readFileSync(single))).toBe(true);
    // The adapter to serve trained beside the folds: nothing to checkpoint.
    expect(existsSync(`${threaded}.checkpoint`)).toBe(false);

    const stopped = join(folder, 'interrupted.safetensors');
    // The plan is printed when the folds start.
    const { code, stderr } = await interrupted(train(stopped, '2'), { backend: 'wasm', marker: 'method clicktune:', delay: 300, signal: 'SIGINT' });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: nothing written \(the folds and the adapter to serve were training together/);
    expect(existsSync(stopped)).toBe(false);
    expect(existsSync(`${stopped}.checkpoint`)).toBe(false);
  });

  it('checks every output before training: a --history in a missing folder fails at once and leaves nothing', () => {
    const folder = fixture();
    const out = join(folder, 'adapter.safetensors');
    const train = ['train', '--items', join(folder, 'items.jsonl'), '--queries', join(folder, 'queries.jsonl'), '--sessions', join(folder, 'sessions.jsonl'), '--out', out];
    const result = clicktune([...train, '--history', join(folder, 'missing', 'history.json')]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/history\.json.*the folder .*missing does not exist/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
    const resume = clicktune([...train, '--resume']);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/--resume: there is no checkpoint at .*adapter\.safetensors\.checkpoint/);
  });
});
