import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectTensorBackend } from '@clicktune/backends';
import { SeededRandom, writeSessions } from '@clicktune/core';
import { positionBasedModel, streamSessions } from '@clicktune/simulate';
import { LinearAdapter, retrieveTopK } from '@clicktune/tensor';
import { DuckDBInstance } from '@duckdb/node-api';
import { EMOJI_DIMENSION, EMOJI_ITEMS, type RecipeCatalogue, recipeTask } from './recipe-task';

/**
 * How a point's log is read: `stream`, the validating JSONL reader; `duckdb`,
 * DuckDB over the same JSONL; `parquet`, DuckDB over the log exported as a
 * warehouse would keep it (one impression per row, its own column names,
 * 1-based ranks: `WAREHOUSE_COLUMNS`), read with `--map`'s column mapping.
 */
export type RecipeEngine = 'stream' | 'duckdb' | 'parquet';

export const RECIPE_ENGINES: readonly RecipeEngine[] = ['stream', 'duckdb', 'parquet'];

/** The impressions Parquet file's columns, as `clicktune train --map` names them. */
export const WAREHOUSE_COLUMNS = { session: 'visit_id', query: 'search_term', item: 'product_id', position: 'rank', clicked: 'was_clicked' } as const;

/** One measured point of the recipe end to end: what `clicktune train` does with a log of `sessions` sessions. */
export interface RecipePoint {
  readonly sessions: number;
  /** Catalogue size and embedding dimension (`recipeTask`). */
  readonly items: number;
  readonly dimension: number;
  readonly engine: RecipeEngine;
  readonly backend: string;
  /** Worker threads the folds were trained in (1: the main thread). */
  readonly workers: number;
  /** Size of the file read: the simulated JSONL log, or its Parquet export. */
  readonly fileMB: number;
  /** Null when a kept log was reused. */
  readonly simulateSeconds: number | null;
  /** Writing the Parquet export (parquet only, null when a kept export was reused; not part of the recipe's time). */
  readonly exportSeconds: number | null;
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
 * sample's base top 10 shown, PBM clicks, the log streamed to a JSONL file
 * (once, for every engine); then, for each engine in a child process (its own
 * peak memory), ingest → EM → lists → judgements → cross-fitted training → gate.
 */
export async function measureRecipe(
  sessions: number,
  options: {
    engines?: readonly RecipeEngine[];
    backend?: string;
    /** Keep the simulated logs (and Parquet exports) here, and reuse those already there, instead of a temporary folder. */
    logs?: string;
    /** The catalogue (default: the emoji sample's own). */
    catalogue?: RecipeCatalogue;
    /** Worker threads for the cross-fitted folds (default 1: the main thread). */
    workers?: number;
    onProgress?: (message: string) => void;
  } = {},
): Promise<RecipePoint[]> {
  const engines = options.engines ?? RECIPE_ENGINES;
  if (options.logs !== undefined) await mkdir(options.logs, { recursive: true });
  const folder = options.logs ?? (await mkdtemp(join(tmpdir(), 'clicktune-recipe-')));
  try {
    const items = options.catalogue?.items ?? EMOJI_ITEMS;
    const dimension = options.catalogue?.dimension ?? EMOJI_DIMENSION;
    const shape = items === EMOJI_ITEMS && dimension === EMOJI_DIMENSION ? '' : `-${items}x${dimension}`;
    const file = join(folder, `emoji-pbm-seed1-${sessions}${shape}.jsonl`);
    const reuse = options.logs !== undefined && existsSync(file);
    options.onProgress?.(`recipe: ${reuse ? 'reusing' : 'simulating'} ${sessions.toLocaleString('en')} sessions`);
    const simulated = performance.now();
    // The task is built here only to simulate: the children build their own, and a large catalogue is not held while they run.
    if (!reuse) await simulateLog(file, sessions, options.catalogue, options.backend);
    const simulateSeconds = reuse ? null : (performance.now() - simulated) / 1000;
    const points: RecipePoint[] = [];
    for (const engine of engines) {
      let source = file;
      let exportSeconds: number | null = null;
      if (engine === 'parquet') {
        source = file.replace(/\.jsonl$/, '.impressions.parquet');
        if (options.logs === undefined || !existsSync(source)) {
          const exported = performance.now();
          await exportImpressionsParquet(file, source);
          exportSeconds = (performance.now() - exported) / 1000;
        }
      }
      const { size } = await stat(source);
      options.onProgress?.(`recipe: ${sessions.toLocaleString('en')} sessions (${(size / 1e6).toFixed(0)} MB), ${engine}`);
      const measured = await runRecipeChild(source, engine, options.backend, items, dimension, options.workers ?? 1);
      points.push({ ...measured, items, dimension, fileMB: size / 1e6, simulateSeconds, exportSeconds });
    }
    return points;
  } finally {
    if (options.logs === undefined) await rm(folder, { recursive: true, force: true });
  }
}

/** The task's base top 10 shown to every judged query, PBM clicks, streamed to a sessions JSONL file. */
async function simulateLog(file: string, sessions: number, catalogue: RecipeCatalogue | undefined, backend: string | undefined): Promise<void> {
  await selectTensorBackend(backend);
  const task = await recipeTask(catalogue);
  const queryIds = [...task.relevance.keys()].filter((id) => task.queries.has(id));
  const base = new LinearAdapter({ inputDimension: task.items.dimension, queries: task.queries });
  const lists = await retrieveTopK(
    base,
    queryIds.map((id) => ({ kind: 'id', id }) as const),
    task.items,
    { k: 10 },
  );
  base.dispose();
  const shown = new Map(queryIds.map((id, index) => [id, lists[index] ?? []]));
  await writeSessions(
    file,
    streamSessions({
      queries: queryIds,
      sessions,
      show: (query) => shown.get(query) ?? [],
      grade: (query, item) => task.relevance.get(query)?.get(item) ?? 0,
      clickModel: positionBasedModel(),
      random: SeededRandom.fromSeed(1),
    }),
  );
}

async function runRecipeChild(
  source: string,
  engine: RecipeEngine,
  backend: string | undefined,
  items: number,
  dimension: number,
  workers: number,
): Promise<Omit<RecipePoint, 'items' | 'dimension' | 'fileMB' | 'simulateSeconds' | 'exportSeconds'>> {
  const child = fileURLToPath(new URL('./recipe-child.js', import.meta.url));
  const output = await new Promise<string>((resolve, reject) => {
    const running = spawn(process.execPath, [child, source, engine, backend ?? 'auto', String(items), String(dimension), String(workers)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    running.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    running.on('error', reject);
    running.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the recipe run exited with ${code}`))));
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

/**
 * A sessions JSONL log as a warehouse export: one row per shown result
 * (visit, search term, product, 1-based rank, clicked), zstd Parquet.
 */
export async function exportImpressionsParquet(sessionsFile: string, parquetFile: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const columns = WAREHOUSE_COLUMNS;
  try {
    await connection.run(
      [
        'COPY (',
        `  SELECT ${columns.session}, ${columns.query}, results[${columns.position}] AS ${columns.item}, ${columns.position}, list_contains(events, results[${columns.position}]) AS ${columns.clicked}`,
        `  FROM (SELECT ${columns.session}, ${columns.query}, results, events, UNNEST(range(1, len(results) + 1)) AS ${columns.position}`,
        `        FROM (SELECT row_number() OVER () AS ${columns.session}, query AS ${columns.query}, results, events`,
        `              FROM read_json($1, format = 'newline_delimited', columns = {query: 'VARCHAR', results: 'VARCHAR[]', events: 'VARCHAR[]'})))`,
        `) TO '${parquetFile.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      ].join('\n'),
      [sessionsFile],
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The recipe points as a markdown table. */
export function recipeTable(points: readonly RecipePoint[]): string {
  const rows = points.map((point) =>
    [
      point.sessions.toLocaleString('en'),
      point.items.toLocaleString('en'),
      point.dimension,
      point.engine,
      `${point.backend}${point.workers > 1 ? ` × ${point.workers} workers` : ''}`,
      point.fileMB.toFixed(point.fileMB < 10 ? 1 : 0),
      point.exportSeconds === null ? '—' : point.exportSeconds.toFixed(1),
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
    '| sessions | items | d | engine | backend | log MB | export s | cells | ingest s | EM + lists + judgements s | training + selection s | total s | peak MB | click-judged gain |',
    '|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
