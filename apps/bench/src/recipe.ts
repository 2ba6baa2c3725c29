import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectTensorBackend } from '@clicktune/backends';
import { SeededRandom, writeSessions } from '@clicktune/core';
import { loadSample } from '@clicktune/datasets';
import { positionBasedModel, streamSessions } from '@clicktune/simulate';
import { LinearAdapter, retrieveTopK } from '@clicktune/tensor';

/** One measured point of the recipe end to end: what `clicktune train` does with a log of `sessions` sessions. */
export interface RecipePoint {
  readonly sessions: number;
  readonly engine: 'stream' | 'duckdb';
  readonly backend: string;
  /** Size of the simulated JSONL log. */
  readonly fileMB: number;
  readonly simulateSeconds: number;
  readonly cells: number;
  readonly trainingLists: number;
  /** Reading the log into (query, item, position) counts. */
  readonly ingestSeconds: number;
  /** Click model (EM), training lists and click judgements. */
  readonly labelsSeconds: number;
  /** Cross-fitted training, selection and the gate (6 trainings of 20 epochs by default). */
  readonly trainingSeconds: number;
  readonly totalSeconds: number;
  readonly peakMemoryMB: number;
  readonly deployed: boolean;
  readonly gain: number | null;
}

/**
 * The recommended recipe as users run it, at a given log size: the emoji
 * sample's base top 10 shown, PBM clicks, the log streamed to a JSONL file;
 * then, in a child process (its own peak memory), ingest → EM → lists →
 * judgements → cross-fitted training → gate.
 */
export async function measureRecipe(
  sessions: number,
  options: { engine?: 'stream' | 'duckdb'; backend?: string; onProgress?: (message: string) => void } = {},
): Promise<RecipePoint> {
  const engine = options.engine ?? 'stream';
  const folder = await mkdtemp(join(tmpdir(), 'clicktune-recipe-'));
  try {
    const file = join(folder, 'sessions.jsonl');
    const simulated = performance.now();
    await selectTensorBackend(options.backend);
    const sample = await loadSample('emoji');
    const base = new LinearAdapter({ inputDimension: sample.items.dimension, queries: sample.queries });
    const queryIds = [...sample.relevance.keys()].filter((id) => sample.queries.has(id));
    const lists = await retrieveTopK(
      base,
      queryIds.map((id) => ({ kind: 'id', id }) as const),
      sample.items,
      { k: 10 },
    );
    base.dispose();
    const shown = new Map(queryIds.map((id, index) => [id, lists[index] ?? []]));
    options.onProgress?.(`recipe: simulating ${sessions.toLocaleString('en')} sessions`);
    await writeSessions(
      file,
      streamSessions({
        queries: queryIds,
        sessions,
        show: (query) => shown.get(query) ?? [],
        grade: (query, item) => sample.relevance.get(query)?.get(item) ?? 0,
        clickModel: positionBasedModel(),
        random: SeededRandom.fromSeed(1),
      }),
    );
    const simulateSeconds = (performance.now() - simulated) / 1000;
    const { size } = await stat(file);
    options.onProgress?.(`recipe: ${sessions.toLocaleString('en')} sessions (${(size / 1e6).toFixed(0)} MB), ${engine}`);
    const child = fileURLToPath(new URL('./recipe-child.js', import.meta.url));
    const output = await new Promise<string>((resolve, reject) => {
      const running = spawn(process.execPath, [child, file, engine, ...(options.backend ? [options.backend] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      running.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      running.on('error', reject);
      running.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the recipe run exited with ${code}`))));
    });
    const measured = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Omit<RecipePoint, 'fileMB' | 'simulateSeconds'>;
    return { ...measured, fileMB: size / 1e6, simulateSeconds };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The recipe points as a markdown table. */
export function recipeTable(points: readonly RecipePoint[]): string {
  const rows = points.map((point) =>
    [
      point.sessions.toLocaleString('en'),
      point.engine,
      point.backend,
      point.fileMB.toFixed(0),
      point.cells.toLocaleString('en'),
      point.ingestSeconds.toFixed(1),
      point.labelsSeconds.toFixed(1),
      point.trainingSeconds.toFixed(1),
      point.totalSeconds.toFixed(1),
      point.peakMemoryMB.toFixed(0),
      point.gain === null ? '—' : `${(100 * point.gain).toFixed(1)}%${point.deployed ? '' : ' (kept)'}`,
    ].join(' | '),
  );
  return [
    '| sessions | engine | backend | log MB | cells | ingest s | EM + lists + judgements s | training + selection s | total s | peak MB | click-judged gain |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
