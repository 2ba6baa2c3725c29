import { type ActiveBackend, selectBackend } from '@clicktune/backends';
import '@clicktune/backend-wasm';
import '@clicktune/backend-node';
import { SeededRandom } from '@clicktune/core';
import { loadEmojiSample } from '@clicktune/datasets';
import type { RankingMetrics } from '@clicktune/reference';
import { positionBasedModel, simulateSessions } from '@clicktune/simulate';
import { type EpochRecord, evaluateRetrieval, LinearAdapter, retrieveTopK } from '@clicktune/tensor';
import { DEFAULT_SETTINGS, type FineTuneSettings, fineTune } from './fine-tune';

export interface DemoOptions {
  backend?: string;
  seed?: number;
  /** Simulated sessions over the training queries. */
  sessions?: number;
  settings?: Partial<FineTuneSettings>;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onBatch?: Parameters<typeof fineTune>[0]['onBatch'];
}

export interface DemoEpoch extends EpochRecord {
  /** Held-out queries, human labels: reported only, never used to choose anything. */
  readonly heldOut: RankingMetrics;
}

export interface DemoResult {
  readonly backend: ActiveBackend;
  readonly sample: { items: number; queries: number; trainQueries: number; testQueries: number };
  readonly sessions: { total: number; withClicks: number; clicks: number; trainSessions: number; validationSessions: number };
  readonly settings: FineTuneSettings;
  readonly before: RankingMetrics;
  readonly after: RankingMetrics;
  readonly epochs: DemoEpoch[];
  readonly stoppedEarly: boolean;
  readonly seconds: number;
}

/**
 * The whole loop on the embedded sample: split the queries, log the base
 * model's top 10 for the training queries, simulate position-biased clicks on
 * the human labels, fine-tune an adapter on those clicks (validation on
 * held-out training queries, by clicks), and measure full-catalogue
 * retrieval on the test queries before and after.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const settings: FineTuneSettings = { ...DEFAULT_SETTINGS, seed, ...options.settings };
  const backend = await selectBackend(options.backend);
  const sample = await loadEmojiSample();
  const random = SeededRandom.fromSeed(seed);
  const queryIds = random.shuffle([...sample.queries.ids].sort());
  const testQueries = queryIds.slice(0, Math.floor(queryIds.length / 2));
  const trainQueries = queryIds.slice(testQueries.length);
  log(`sample: ${sample.items.size} emoji, ${sample.queries.size} keyword queries (${trainQueries.length} train, ${testQueries.length} test, no overlap)`);

  const base = new LinearAdapter({ inputDimension: sample.items.dimension, queries: sample.queries });
  const logged = new Map(trainQueries.map((id, index) => [id, index]));
  const lists = retrieveTopK(base, trainQueries.map((id) => ({ kind: 'id', id }) as const), sample.items, { k: 10 });
  const before = evaluateRetrieval(base, testQueries, sample.relevance, sample.items, { k: 10 });
  base.dispose();

  const sessions = simulateSessions({
    queries: trainQueries,
    sessions: options.sessions ?? 20_000,
    show: (query) => lists[logged.get(query) as number] ?? [],
    grade: (query, item) => sample.relevance.get(query)?.get(item) ?? 0,
    clickModel: positionBasedModel(),
    random: random.fork(),
  });
  const clicks = sessions.reduce((sum, session) => sum + session.events.length, 0);
  const withClicks = sessions.filter((session) => !session.isIrrelevant).length;
  log(`simulated ${sessions.length} sessions over the training queries (PBM clicks on the human labels): ${clicks} clicks, ${withClicks} sessions with a click`);

  const epochs: DemoEpoch[] = [];
  const run = await fineTune({
    sessions,
    items: sample.items,
    queries: sample.queries,
    settings,
    signal: options.signal,
    onBatch: options.onBatch,
    onEpoch: (record, adapter) => {
      const heldOut = evaluateRetrieval(adapter, testQueries, sample.relevance, sample.items, { k: 10 });
      epochs.push({ ...record, heldOut: { mrr: heldOut.mrr, ndcg: heldOut.ndcg, recall: heldOut.recall } });
    },
  });
  const after = evaluateRetrieval(run.adapter, testQueries, sample.relevance, sample.items, { k: 10 });
  run.adapter.dispose();
  return {
    backend,
    sample: { items: sample.items.size, queries: sample.queries.size, trainQueries: trainQueries.length, testQueries: testQueries.length },
    sessions: { total: sessions.length, withClicks, clicks, trainSessions: run.trainSessions, validationSessions: run.validationSessions },
    settings,
    before: { mrr: before.mrr, ndcg: before.ndcg, recall: before.recall },
    after: { mrr: after.mrr, ndcg: after.ndcg, recall: after.recall },
    epochs,
    stoppedEarly: run.result.stoppedEarly,
    seconds: (performance.now() - started) / 1000,
  };
}
