#!/usr/bin/env node
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickTuneError, writeFileAtomic } from '@clicktune/core';
import { Command } from 'commander';
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

const program = new Command()
  .name('clicktune-bench')
  .description('Every backend, one workload, one table: W1 (train, both towers), W2 (train, query tower), W3 (features + loss), plan building.')
  .option('--quick', 'a small workload for CI: checks that every available backend produces numbers that agree with the reference')
  .option('--backends <names>', 'comma-separated backends (default: every available one)')
  .option('--iterations <n>', 'timed passes per measurement (median is reported)', '5')
  .option('--scale', 'add the scale points (10k sessions, dim 100/768, 10/50 results)')
  .option('--large', 'with --scale, add the 100k-session point')
  .option('--baseline <file>', 'a results JSON from an earlier run on the same machine, to show ratios')
  .option('--out <dir>', 'where to write results.json, results.md and results.svg', 'bench-results')
  .action(async (options: { quick?: boolean; backends?: string; iterations: string; scale?: boolean; large?: boolean; baseline?: string; out: string }) => {
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
      if (problems.length > 0) process.exitCode = 1;
      else process.stdout.write('bench check: every available backend produced numbers and W3 losses agree with the reference\n');
    }
  });

program.parseAsync().catch((error: unknown) => {
  if (ClickTuneError.isInstance(error)) {
    process.stderr.write(`clicktune-bench: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
});
