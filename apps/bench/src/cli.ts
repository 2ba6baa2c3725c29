#!/usr/bin/env node
import { ClickTuneError } from '@clicktune/core';
import { Command } from 'commander';
import { runBenchCommand } from './command';

const program = new Command()
  .name('clicktune-bench')
  .description('Every backend, one workload, one table: W1 (train, both towers), W2 (train, query tower), W3 (features + loss), plan building.')
  .option('--quick', 'a small workload for CI: checks that every available backend produces numbers that agree with the reference')
  .option('--backends <names>', 'comma-separated backends (default: every available one)')
  .option('--no-browser', 'skip the rows measured in headless Chromium')
  .option('--browser-backends <names>', 'comma-separated backends to run in Chromium (default: webgpu,webgl,wasm)')
  .option('--iterations <n>', 'timed passes per measurement (median is reported)', '5')
  .option('--scale', 'add the scale points (10k sessions, dim 100/768, 10/50 results)')
  .option('--large', 'with --scale, add the 100k-session point')
  .option('--baseline <file>', 'a results JSON from an earlier run on the same machine, to show ratios')
  .option('--recipe <sessions>', 'instead: the recommended recipe end to end at each log size (comma-separated session counts, e.g. 100000,1000000)')
  .option(
    '--recipe-engine <names>',
    'with --recipe: how the log is read, comma-separated: stream (the JSONL reader), duckdb (DuckDB over the JSONL), parquet (DuckDB over an impressions Parquet export)',
    'stream,duckdb,parquet',
  )
  .option('--recipe-logs <dir>', 'with --recipe: keep the simulated logs (and their Parquet exports) in this folder, and reuse those already there')
  .option('--recipe-catalogue <items>', "with --recipe: catalogue sizes, comma-separated (the sample's 1,662 items plus distractors; default: the sample's own)")
  .option('--recipe-dimension <d>', "with --recipe: embedding dimension (the sample's 100-d vectors zero-padded: the same cosines at the cost of d; default 100)")
  .option('--recipe-workers <n>', 'with --recipe: worker threads for the cross-fitted folds (default: one per core, as `clicktune train`; 1: in the main thread)')
  .option('--no-original', "skip the original's method in PyTorch (run for the same-run ratios when a Python with torch is found)")
  .option('--original-python <path>', 'the Python with torch that runs the original (default: $CLICKTUNE_ORIGINAL_PYTHON, else python3)')
  .option('--original-threads <list>', "the original's torch thread counts, comma-separated; each workload keeps its fastest (default: 1 and one per core)")
  .option('--out <dir>', 'where to write results.json, results.md and results.svg', 'bench-results')
  .action(async (options) => {
    process.exitCode = await runBenchCommand(options);
  });

program.parseAsync().catch((error: unknown) => {
  if (ClickTuneError.isInstance(error)) {
    process.stderr.write(`clicktune-bench: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
});
