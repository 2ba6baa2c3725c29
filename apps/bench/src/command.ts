import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ClickTuneError, writeFileAtomic } from '@clicktune/core';
import type { Measurement } from './measure';
import { checkQuickRun, markdownTable, svgChart, textTable } from './report';
import { mergeRuns, runInChromium } from './chromium';
import { measureOriginal, ORIGINAL_NAME, probeOriginal } from './original';
import { type BenchmarkRun, runBenchmarks } from './run';
import { EMOJI_DIMENSION, EMOJI_ITEMS } from './recipe-task';
import { measureRecipe, RECIPE_ENGINES, type RecipeEngine, type RecipePoint, recipeTable } from './recipe';
import { makeWorkload, STANDARD_SHAPE, type WorkloadShape } from './workload';

const QUICK_SHAPE: WorkloadShape = { sessions: 128, results: 10, clicks: 2, dimension: 32, batchSize: 32 };
const SCALE_POINTS: WorkloadShape[] = [
  { ...STANDARD_SHAPE, sessions: 10_000 },
  { ...STANDARD_SHAPE, dimension: 100 },
  { ...STANDARD_SHAPE, dimension: 768 },
  { ...STANDARD_SHAPE, results: 10 },
  { ...STANDARD_SHAPE, results: 50 },
];
const LARGE_POINT: WorkloadShape = { ...STANDARD_SHAPE, sessions: 100_000 };

export interface BenchCommandOptions {
  quick?: boolean;
  /** false (`--no-browser`): skip the Chromium rows. */
  browser?: boolean;
  /** Backends to run in Chromium (default: webgpu, webgl, wasm). */
  browserBackends?: string;
  backends?: string;
  iterations: string;
  scale?: boolean;
  large?: boolean;
  baseline?: string;
  /** Comma-separated log sizes: measure the recipe end to end at each (and nothing else). */
  recipe?: string;
  /** Comma-separated: stream, duckdb, parquet (default all three). */
  recipeEngine?: string;
  /** Keep the simulated logs in this folder and reuse them. */
  recipeLogs?: string;
  /** Comma-separated catalogue sizes (default: the sample's 1,662 items). */
  recipeCatalogue?: string;
  /** Embedding dimension (default: the sample's 100; wider is zero-padded). */
  recipeDimension?: string;
  /** Worker threads for the folds (default: one per core). */
  recipeWorkers?: string;
  /** false (`--no-original`): skip the original's method in PyTorch. */
  original?: boolean;
  /** The Python that runs it (default: $CLICKTUNE_ORIGINAL_PYTHON, else python3). */
  originalPython?: string;
  /** Its torch thread counts, comma-separated; each workload keeps its fastest (default: 1 and one per core). */
  originalThreads?: string;
  out: string;
}

/** The bench's command line (shared by `clicktune-bench` and `clicktune bench`); returns the exit code. */
export async function runBenchCommand(options: BenchCommandOptions): Promise<number> {
  const iterations = Number(options.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new ClickTuneError('invalid-option', `--iterations must be a whole number ≥ 1, got ${options.iterations}`);
  let baseline: BenchmarkRun | undefined;
  if (options.baseline) {
    try {
      baseline = JSON.parse(readFileSync(options.baseline, 'utf8')) as BenchmarkRun;
    } catch (error) {
      throw new ClickTuneError('io-error', `cannot read the baseline: ${(error as Error).message}`, { location: { file: options.baseline } });
    }
  }
  const progress = (message: string) => process.stderr.write(`… ${message}\n`);
  if (options.recipe !== undefined) return runRecipeCommand(options, progress);
  const common = {
    iterations: options.quick ? 2 : iterations,
    warmupIterations: 1,
    shape: options.quick ? QUICK_SHAPE : STANDARD_SHAPE,
    scale: options.quick || !options.scale ? [] : [...SCALE_POINTS, ...(options.large ? [LARGE_POINT] : [])],
  };
  const originalThreads = (options.originalThreads ?? `1,${availableParallelism()}`).split(',').map((entry) => Number(entry.trim()));
  if (originalThreads.some((threads) => !Number.isInteger(threads) || threads < 1))
    throw new ClickTuneError('invalid-option', `--original-threads takes comma-separated thread counts ≥ 1, got ${JSON.stringify(options.originalThreads)}`);
  let run = await runBenchmarks({ ...common, backends: splitNames(options.backends), onProgress: progress });
  if (options.original !== false)
    run = await withOriginal(run, common, { python: options.originalPython ?? process.env.CLICKTUNE_ORIGINAL_PYTHON ?? 'python3', threads: originalThreads }, progress);
  if (options.browser !== false) {
    // The scale curve is a Node measurement; the page runs the standard shape.
    const browser = await runInChromium({ ...common, scale: [], backends: splitNames(options.browserBackends) }, progress);
    if ('run' in browser) run = mergeRuns(run, browser.run);
    else process.stderr.write(`chromium rows skipped: ${browser.skipped}\n`);
  }
  process.stdout.write(`${textTable(run, baseline)}\n`);
  mkdirSync(options.out, { recursive: true });
  await writeFileAtomic(join(options.out, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  await writeFileAtomic(join(options.out, 'results.md'), markdownTable(run, baseline));
  await writeFileAtomic(join(options.out, 'results.svg'), svgChart(run));
  process.stdout.write(`\nwrote ${join(options.out, 'results.json')}, results.md and results.svg\n`);
  if (options.quick) {
    const problems = checkQuickRun(run);
    for (const problem of problems) process.stderr.write(`bench check failed: ${problem}\n`);
    if (problems.length > 0) return 1;
    else process.stdout.write('bench check: every benchmarked backend produced numbers and W3 losses agree with the reference\n');
  }
  return 0;
}

/**
 * The original's method in PyTorch on the standard shape, for the same-run ratios: each workload at its
 * fastest of the thread counts. Reported skipped, with why, where torch is missing.
 */
async function withOriginal(
  run: BenchmarkRun,
  common: { iterations: number; shape: WorkloadShape },
  original: { python: string; threads: number[] },
  progress: (message: string) => void,
): Promise<BenchmarkRun> {
  const probe = await probeOriginal(original.python);
  if (!probe.available) progress(`original (PyTorch) skipped: ${probe.detail}`);
  const fastest = new Map<string, Measurement>();
  const workload = probe.available ? makeWorkload(common.shape) : null;
  if (workload)
    for (const threads of new Set(original.threads)) {
      progress(`original (PyTorch): W3, W1, W2 with ${threads} thread(s)`);
      for (const measured of await measureOriginal(workload, { python: original.python, threads, iterations: common.iterations })) {
        const best = fastest.get(measured.workload);
        if (!best || measured.sessionsPerSecond > best.sessionsPerSecond) fastest.set(measured.workload, measured);
      }
    }
  return {
    ...run,
    backends: [...run.backends, { name: ORIGINAL_NAME, available: probe.available, benchmarked: probe.available, detail: probe.detail }],
    measurements: [...run.measurements, ...fastest.values()],
  };
}

function splitNames(names: string | undefined): string[] | undefined {
  return names?.split(',').map((name) => name.trim());
}

/** `--recipe 100000,1000000`: the recommended recipe end to end at each log size (wall time, where it goes, peak memory). */
async function runRecipeCommand(options: BenchCommandOptions, progress: (message: string) => void): Promise<number> {
  const sizes = (options.recipe ?? '').split(',').map((entry) => Number(entry.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new ClickTuneError('invalid-option', `--recipe takes comma-separated session counts, got ${JSON.stringify(options.recipe)}`);
  const engines = (options.recipeEngine ?? RECIPE_ENGINES.join(',')).split(',').map((name) => name.trim());
  for (const engine of engines)
    if (!RECIPE_ENGINES.includes(engine as RecipeEngine))
      throw new ClickTuneError('invalid-option', `--recipe-engine takes comma-separated engines (${RECIPE_ENGINES.join(', ')}), got ${JSON.stringify(engine)}`);
  const catalogues = options.recipeCatalogue === undefined ? [undefined] : options.recipeCatalogue.split(',').map((entry) => Number(entry.trim()));
  const dimension = options.recipeDimension === undefined ? undefined : Number(options.recipeDimension);
  if (catalogues.some((items) => items !== undefined && !(Number.isSafeInteger(items) && items >= EMOJI_ITEMS)))
    throw new ClickTuneError(
      'invalid-option',
      `--recipe-catalogue takes comma-separated item counts ≥ ${EMOJI_ITEMS} (the sample's), got ${JSON.stringify(options.recipeCatalogue)}`,
    );
  if (dimension !== undefined && !(Number.isSafeInteger(dimension) && dimension >= EMOJI_DIMENSION))
    throw new ClickTuneError('invalid-option', `--recipe-dimension must be a whole number ≥ ${EMOJI_DIMENSION} (the sample's), got ${JSON.stringify(options.recipeDimension)}`);
  const workers = options.recipeWorkers === undefined ? availableParallelism() : Number(options.recipeWorkers);
  if (!(Number.isInteger(workers) && workers >= 1))
    throw new ClickTuneError('invalid-option', `--recipe-workers must be a whole number ≥ 1, got ${JSON.stringify(options.recipeWorkers)}`);
  const points: RecipePoint[] = [];
  for (const items of catalogues)
    for (const sessions of sizes) {
      const measured = await measureRecipe(sessions, {
        engines: engines as RecipeEngine[],
        backend: splitNames(options.backends)?.[0],
        logs: options.recipeLogs,
        catalogue: { items, dimension },
        workers,
        onProgress: progress,
      });
      for (const point of measured)
        progress(
          `recipe: ${sessions.toLocaleString('en')} sessions, ${point.items.toLocaleString('en')} items × ${point.dimension} (${point.engine}) in ${point.totalSeconds.toFixed(1)} s, peak ${point.peakMemoryMB.toFixed(0)} MB`,
        );
      points.push(...measured);
    }
  const table = recipeTable(points);
  process.stdout.write(`${table}\n`);
  // The same simulated log read every way must give the same counts.
  const logOf = (point: RecipePoint) => `${point.sessions} ${point.items} ${point.dimension}`;
  for (const log of new Set(points.map(logOf))) {
    const [first, ...others] = points.filter((point) => logOf(point) === log);
    for (const other of others)
      if (first && (other.cells !== first.cells || other.sessions !== first.sessions)) {
        process.stderr.write(
          `recipe check: ${first.sessions} sessions gave ${first.cells} cells and ${first.sessions} sessions (${first.engine}) but ${other.cells} and ${other.sessions} (${other.engine})\n`,
        );
        return 1;
      }
  }
  mkdirSync(options.out, { recursive: true });
  await writeFileAtomic(join(options.out, 'recipe.json'), `${JSON.stringify(points, null, 2)}\n`);
  await writeFileAtomic(join(options.out, 'recipe.md'), `${table}\n`);
  return 0;
}
