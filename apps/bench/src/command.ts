import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickTuneError, writeFileAtomic } from '@clicktune/core';
import { checkQuickRun, markdownTable, svgChart, textTable } from './report';
import { mergeRuns, runInChromium } from './chromium';
import { type BenchmarkRun, runBenchmarks } from './run';
import { STANDARD_SHAPE, type WorkloadShape } from './workload';

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
  const common = {
    iterations: options.quick ? 2 : iterations,
    warmupIterations: 1,
    shape: options.quick ? QUICK_SHAPE : STANDARD_SHAPE,
    scale: options.quick || !options.scale ? [] : [...SCALE_POINTS, ...(options.large ? [LARGE_POINT] : [])],
  };
  let run = await runBenchmarks({ ...common, backends: splitNames(options.backends), onProgress: progress });
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

function splitNames(names: string | undefined): string[] | undefined {
  return names?.split(',').map((name) => name.trim());
}
