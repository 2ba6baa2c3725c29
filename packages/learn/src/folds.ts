import { ClickTuneError, type ClickTuneErrorCode, type ErrorLocation, FineTuningInput, type ItemsSet } from '@clicktune/core';
import { type EpochRecord, FeaturesExtractor, type LinearAdapter, Trainer, type TrainerOptions } from '@clicktune/tensor';
import { judgedNdcgPerQuery } from './click-labels';
import { extractorOptions, settingsAdapter, trainerOptionsOf } from './recipe-parts';
import type { LearnSettings } from './settings';

/** An adapter's weights off the tensor backend (the query tower's, and the item tower's when it has its own). */
export interface AdapterWeights {
  readonly query?: Float32Array;
  readonly item?: Float32Array;
}

/**
 * One fold of cross-fitting: train a fresh adapter on the other folds' lists
 * and score the fold's own judged queries after every epoch. Plain data (it
 * crosses to a worker thread as it is).
 */
export interface FoldTask {
  readonly fold: number;
  readonly settings: LearnSettings;
  /** The training lists: every list whose query is not in this fold. */
  readonly lists: readonly FineTuningInput[];
  /** The fold's click judgements (query key → item → grade), and the keys with a relevant item, in the order scores are reported. */
  readonly held: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly heldKeys: readonly string[];
  readonly hardNegativePools?: ReadonlyMap<string, Int32Array>;
  /** Hand back the weights after every epoch (epoch 0 first). */
  readonly keepWeights: boolean;
}

export interface FoldOutcome {
  /** Per epoch run (1, 2, …): the held queries' click-judged NDCG@10, in `heldKeys` order. */
  readonly scores: Float64Array[];
  /** With `keepWeights`: the weights before training and after each epoch. */
  readonly weights: AdapterWeights[];
  /** The trainer's per-epoch records. */
  readonly history: EpochRecord[];
  /** False when the fold had no list to train on (it scores as the untrained adapter). */
  readonly trained: boolean;
  readonly interrupted: boolean;
}

/**
 * Runs the folds of a cross-fitted round. The default trains them one after
 * another in this thread; `@clicktune/learn/threads` trains them in worker
 * threads, one fold per worker at a time. Outcomes come back in task order,
 * and every fold is seeded alike, so the result does not depend on the runner.
 */
export interface FoldRunner {
  /** True when it trains several tasks at once: the adapter to serve then trains beside the folds instead of after them. */
  readonly parallel?: boolean;
  run(tasks: readonly FoldTask[], context: FoldContext): Promise<FoldOutcome[]>;
}

export interface FoldContext {
  readonly items: ItemsSet;
  readonly queries?: ItemsSet;
  readonly signal?: AbortSignal;
}

/** The folds one after another, in this thread. */
export const IN_PROCESS_FOLDS: FoldRunner = {
  async run(tasks, context) {
    const outcomes: FoldOutcome[] = [];
    for (const task of tasks) {
      const outcome = await trainFold(task, context);
      outcomes.push(outcome);
      if (outcome.interrupted) break;
    }
    return outcomes;
  },
};

/** Trains one fold (see `FoldTask`) on the active tensor backend. */
export async function trainFold(task: FoldTask, context: FoldContext): Promise<FoldOutcome> {
  const { settings } = task;
  const model = settingsAdapter(context.items, settings, context.queries);
  const scores: Float64Array[] = [];
  const weights: AdapterWeights[] = [];
  const held = task.held as Map<string, Map<string, number>>;
  try {
    if (task.keepWeights) weights.push(await weightsOf(model));
    if (task.lists.length === 0) return { scores, weights, history: [], trained: false, interrupted: false };
    const options: TrainerOptions = {
      ...trainerOptionsOf(settings, { signal: context.signal, hardNegativePools: task.hardNegativePools as Map<string, Int32Array> | undefined }),
      onEpoch: async () => {
        if (task.keepWeights) weights.push(await weightsOf(model));
        scores.push(task.heldKeys.length > 0 ? await judgedNdcgPerQuery(model, held, context.items) : new Float64Array(0));
      },
    };
    const trainer = new Trainer(new FeaturesExtractor(model, extractorOptions(context.queries, settings)), options);
    try {
      const result = await trainer.train(task.lists, context.items, []);
      return { scores, weights, history: result.history, trained: true, interrupted: result.interrupted ?? false };
    } finally {
      trainer.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** A copy of an adapter's weights (off the tensor backend). */
export async function weightsOf(model: LinearAdapter): Promise<AdapterWeights> {
  return {
    query: model.queryWeights ? Float32Array.from((await model.queryWeights.data()) as Float32Array) : undefined,
    item: model.itemWeights && !model.shared ? Float32Array.from((await model.itemWeights.data()) as Float32Array) : undefined,
  };
}

/** A fold task as structured-clonable data: the lists in their JSON form. */
export interface SerializedFoldTask extends Omit<FoldTask, 'lists'> {
  readonly lists: readonly Record<string, unknown>[];
}

export function serializeFoldTask(task: FoldTask): SerializedFoldTask {
  return { ...task, lists: task.lists.map((list) => list.toJSON()) };
}

export function deserializeFoldTask(task: SerializedFoldTask): FoldTask {
  return { ...task, lists: task.lists.map((list) => FineTuningInput.create(list)) };
}

/** An error as it crosses a thread: a ClickTuneError keeps its code, reason and location. */
export interface SerializedError {
  readonly message: string;
  readonly name?: string;
  readonly code?: ClickTuneErrorCode;
  readonly reason?: string;
  readonly location?: ErrorLocation;
}

export function serializeError(error: unknown): SerializedError {
  if (ClickTuneError.isInstance(error)) return { message: error.message, name: error.name, code: error.code, reason: error.reason, location: error.location };
  return { message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.code && error.reason !== undefined) {
    const revived = new ClickTuneError(error.code, error.reason, { location: error.location });
    revived.name = error.name ?? revived.name;
    return revived;
  }
  return new Error(error.message);
}
