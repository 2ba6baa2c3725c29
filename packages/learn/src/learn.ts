import type { ClickCounts } from '@clicktune/confidence';
import type { FineTuningInput, ItemsSet } from '@clicktune/core';
import type { EmbeddingModel, EpochRecord, LinearAdapter } from '@clicktune/tensor';
import { fineTune } from './fine-tune';
import type { FoldRunner } from './folds';
import { settingsAdapter } from './recipe-parts';
import type { GateDecision } from './gate';
import type { LearnSettings, LearnSettingsInput } from './settings';

export interface LearnFromClicksOptions<Model extends EmbeddingModel> {
  /** The logged search sessions (queries, shown results, clicks)… */
  readonly sessions?: readonly FineTuningInput[];
  /** …or their (query, item, position) counts, for a log read as a stream (`ClickCounts.fromStream(readSessions(file))`) or aggregated in SQL. */
  readonly clicks?: ClickCounts;
  /** The catalogue, with the base embeddings the adapter works on. */
  readonly items: ItemsSet;
  /** Query embeddings, when sessions name their queries by id. */
  readonly queries?: ItemsSet;
  /** The model users are served now; by default the base embeddings (an identity adapter). */
  readonly inService?: Model;
  readonly settings?: LearnSettingsInput;
  readonly signal?: AbortSignal;
  /** How cross-fitting's folds are trained: in this thread (default) or `threadedFolds(...)` from `@clicktune/learn/threads` (Node worker threads). */
  readonly foldRunner?: FoldRunner;
}

export interface LearnFromClicksResult<Model extends EmbeddingModel> {
  /**
   * What to serve: the new adapter when the gate deployed it, else the model in
   * service (the `inService` you passed, or an identity adapter). Dispose it
   * when done, unless it is your `inService`.
   */
  readonly serve: Model | LinearAdapter;
  readonly deployed: boolean;
  /** The gate's decision with its numbers and a sentence saying why. */
  readonly decision: GateDecision;
  /** Per-epoch history of the training run. */
  readonly history: readonly EpochRecord[];
  readonly selection: string;
  readonly trainSessions: number;
  readonly validationSessions: number;
  readonly trainingLists: number;
  readonly settings: LearnSettings;
}

/**
 * The whole recipe in one call: learn an adapter from click logs and return
 * what to serve. The new adapter replaces the model in service only when the
 * deployment gate finds its gain on held-out validation queries positive with
 * confidence; otherwise the model in service is kept and the decision says why.
 */
export async function learnFromClicks<Model extends EmbeddingModel = LinearAdapter>(options: LearnFromClicksOptions<Model>): Promise<LearnFromClicksResult<Model>> {
  const run = await fineTune({
    sessions: options.sessions,
    clicks: options.clicks,
    items: options.items,
    queries: options.queries,
    settings: options.settings,
    inService: options.inService,
    signal: options.signal,
    foldRunner: options.foldRunner,
  });
  const deployed = run.decision.deploy && !run.result.interrupted;
  let serve: Model | LinearAdapter = run.adapter;
  if (!deployed) {
    run.adapter.dispose();
    serve = options.inService ?? settingsAdapter(options.items, run.settings, options.queries);
  }
  return {
    serve,
    deployed,
    decision: run.decision,
    history: run.result.history,
    selection: run.selection,
    trainSessions: run.trainSessions,
    validationSessions: run.validationSessions,
    trainingLists: run.trainingLists,
    settings: run.settings,
  };
}
