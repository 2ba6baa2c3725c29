import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickTuneError, writeFileAtomic } from '@clicktune/core';
import { checkQuickRun, markdownTable, svgChart, textTable } from './report';
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
  const run = await runBenchmarks({
    iterations: options.quick ? 2 : iterations,
    warmupIterations: 1,
    backends: options.backends?.split(',').map((name) => name.trim()),
    shape: options.quick ? QUICK_SHAPE : STANDARD_SHAPE,
    scale: options.quick || !options.scale ? [] : [...SCALE_POINTS, ...(options.large ? [LARGE_POINT] : [])],
    onProgress: (message) => process.stderr.write(`… ${message}\n`),
  });
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
