import { type ActiveBackend, selectBackend } from '@clicktune/backends';
import '@clicktune/backend-wasm';
import '@clicktune/backend-node';
import '@clicktune/backend-gpu';
import '@clicktune/backend-webgl';
import { loadEmojiSample } from '@clicktune/datasets';
import type { RankingMetrics } from '@clicktune/reference';
import { EXPERIMENT_DEFAULTS, type ExperimentSettings, runVariant, setupSeed, VARIANTS, type VariantRun } from './experiment';

export interface DemoOptions {
  backend?: string;
  seed?: number;
  settings?: Partial<ExperimentSettings>;
  log?: (line: string) => void;
}

export interface DemoResult {
  readonly backend: ActiveBackend;
  readonly sample: { items: number; queries: number; trainQueries: number; testQueries: number };
  readonly settings: ExperimentSettings;
  /** Held-out test queries, full catalogue, human labels (reported only). */
  readonly before: RankingMetrics;
  /** ClickTune on plain top-10 logs, and on logs with exploration slots. */
  readonly runs: VariantRun[];
  readonly seconds: number;
}

/**
 * The whole loop on the embedded sample, twice: split the queries; log the
 * base model's lists for the training queries (plain top 10, then with
 * exploration slots); simulate position-biased clicks on the human labels;
 * fine-tune on click-model relevance with negatives beyond the lists, keeping
 * the epoch that clicks alone (never labels) rate best; deploy that model,
 * log a second round and retrain on both (settings.rounds); and measure
 * full-catalogue retrieval on the held-out test queries before and after.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const settings: ExperimentSettings = { ...EXPERIMENT_DEFAULTS, ...options.settings };
  const backend = await selectBackend(options.backend);
  const sample = await loadEmojiSample();
  const setup = await setupSeed(seed, sample);
  log(`sample: ${sample.items.size} emoji, ${sample.queries.size} keyword queries (${setup.trainQueries.length} train, ${setup.testQueries.length} test, no overlap)`);
  const base = await runVariant(setup, VARIANTS[0] as (typeof VARIANTS)[number], seed, settings);
  const runs: VariantRun[] = [];
  for (const variant of [VARIANTS[2], VARIANTS[3]] as const) {
    if (!variant) continue;
    log(`${variant.name}: ${settings.sessions} simulated sessions in ${settings.rounds} round(s), ${settings.epochs} epochs each …`);
    runs.push(await runVariant(setup, variant, seed, settings));
  }
  return {
    backend,
    sample: { items: sample.items.size, queries: sample.queries.size, trainQueries: setup.trainQueries.length, testQueries: setup.testQueries.length },
    settings,
    before: base.heldOut,
    runs,
    seconds: (performance.now() - started) / 1000,
  };
}
