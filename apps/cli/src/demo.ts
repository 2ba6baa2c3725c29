import { type ActiveBackend, selectTensorBackend } from '@clicktune/backends';
import { foldRunnerOf } from './backend-packages';
import { type LearnSettings, resolveSettings } from '@clicktune/learn';
import type { RankingMetrics } from '@clicktune/core';
import { EXPERIMENT_DEFAULTS, type ExperimentSettings, runVariant, setupSeed, type Task, VARIANTS, type VariantRun } from './harness/experiment';

export interface DemoOptions {
  backend?: string;
  seed?: number;
  /** The task to run the loop on (the CLI loads the embedded emoji sample by default). */
  task: Task;
  settings?: Partial<ExperimentSettings>;
  log?: (line: string) => void;
  /** Worker threads for cross-fitting's folds (default 1: this thread). */
  workers?: number;
}

export interface DemoResult {
  readonly backend: ActiveBackend;
  readonly task: string;
  readonly sample: { items: number; queries: number; trainQueries: number; testQueries: number };
  readonly settings: ExperimentSettings;
  /** The recipe's settings as resolved (defaults filled in). */
  readonly training: LearnSettings;
  /** Held-out test queries, full catalogue, human labels (reported only). */
  readonly before: RankingMetrics;
  /** ClickTune on plain top-10 logs, and on logs with exploration slots. */
  readonly runs: VariantRun[];
  readonly seconds: number;
}

/**
 * The whole loop on a task, twice: split the queries; log the base model's
 * lists for the training queries (plain top 10, then with exploration slots);
 * simulate position-biased clicks on the human labels; learn from them with
 * `@clicktune/learn` (click-model relevance, negatives beyond the lists, the
 * epoch that clicks alone rate best, the deployment gate); deploy what the
 * gate lets through, log a second round and retrain on both; and measure
 * full-catalogue retrieval on the held-out test queries before and after.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const settings: ExperimentSettings = { ...EXPERIMENT_DEFAULTS, ...options.settings };
  const backend = await selectTensorBackend(options.backend);
  const foldRunner = foldRunnerOf(options.workers ?? 1, backend.name, resolveSettings(settings.training).folds);
  const { task } = options;
  const setup = await setupSeed(seed, task);
  log(`${task.name}: ${task.items.size} items, ${task.queries.size} queries (${setup.trainQueries.length} train, ${setup.testQueries.length} test, no overlap)`);
  const base = await runVariant(setup, VARIANTS[0] as Variant, seed, settings, undefined, foldRunner);
  const runs: VariantRun[] = [];
  for (const variant of [VARIANTS[2], VARIANTS[3]] as Variant[]) {
    log(`${variant.name}: ${settings.sessions} simulated sessions in ${settings.rounds} round(s), ${resolveSettings(settings.training).epochs} epochs each …`);
    const run = await runVariant(setup, variant, seed, settings, undefined, foldRunner);
    for (const [round, decision] of run.decisions.entries()) log(`  round ${round + 1}: ${decision.reason}`);
    runs.push(run);
  }
  return {
    backend,
    task: task.name,
    sample: { items: task.items.size, queries: task.queries.size, trainQueries: setup.trainQueries.length, testQueries: setup.testQueries.length },
    settings,
    training: resolveSettings({ ...settings.training, seed }),
    before: base.heldOut,
    runs,
    seconds: (performance.now() - started) / 1000,
  };
}

type Variant = (typeof VARIANTS)[number];
