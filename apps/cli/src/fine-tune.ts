import type { ConfidenceCalculatorOption } from '@clicktune/confidence';
import { type FineTuningInput, type ItemsSet, type Relevance, SeededRandom, splitByQueries } from '@clicktune/core';
import { type BatchProgress, type EpochRecord, evaluateRetrieval, FeaturesExtractor, LinearAdapter, Trainer, type TrainingResult } from '@clicktune/tensor';

/** What `train` and `demo` fine-tune with; every field has a CLI flag. */
export interface FineTuneSettings {
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /** Decay toward the identity adapter (decoupled), per step. */
  weightDecay: number;
  confidence: ConfidenceCalculatorOption;
  towers: 'both' | 'query' | 'item';
  residual: boolean;
  margin: number;
  negativeDownsamplingFactor: number;
  minAbsDifference: number;
  maxAbsDifference: number;
  /** Share of the training sessions' queries held out for validation (click-based; never test labels). */
  validationFraction: number;
  /** Early stopping on the validation loss; 0 turns it off. */
  patience: number;
  seed: number;
}

export const DEFAULT_SETTINGS: FineTuneSettings = {
  epochs: 5,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 3e-4,
  // Pull toward the identity adapter (DESIGN.md: "keeps adapters near identity"): without it the
  // pairwise loss on logged lists keeps lowering the click loss while full-catalogue retrieval decays.
  weightDecay: 10,
  confidence: 'dummy',
  towers: 'both',
  residual: false,
  margin: 0.1,
  negativeDownsamplingFactor: 1,
  minAbsDifference: 0,
  maxAbsDifference: 1,
  validationFraction: 0.1,
  patience: 2,
  seed: 1,
};

export interface FineTuneRun {
  readonly adapter: LinearAdapter;
  readonly result: TrainingResult;
  readonly trainSessions: number;
  readonly validationSessions: number;
}

/** Splits off validation queries, builds an identity adapter and trains it (the shared core of `train` and `demo`). */
export async function fineTune(options: {
  sessions: readonly FineTuningInput[];
  items: ItemsSet;
  queries?: ItemsSet;
  settings: FineTuneSettings;
  adapter?: LinearAdapter;
  checkpointPath?: string;
  resumeFrom?: string;
  signal?: AbortSignal;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (record: EpochRecord, adapter: LinearAdapter) => void;
  /**
   * A small labelled set to choose the kept epoch with, instead of clicks:
   * full-catalogue NDCG@10 of these queries (the untrained adapter competes too).
   */
  labelledSelection?: { queries: readonly string[]; relevance: Relevance };
}): Promise<FineTuneRun> {
  const settings = options.settings;
  const labelled = options.labelledSelection;
  const split = splitByQueries(options.sessions, { testFraction: settings.validationFraction, random: SeededRandom.fromSeed(settings.seed) });
  const adapter =
    options.adapter ?? new LinearAdapter({ inputDimension: options.items.dimension, towers: settings.towers, residual: settings.residual, queries: options.queries });
  const extractor = new FeaturesExtractor(adapter, {
    queries: options.queries,
    confidenceCalculator: settings.confidence,
    negativeDownsamplingFactor: settings.negativeDownsamplingFactor,
    minAbsDifference: settings.minAbsDifference,
    maxAbsDifference: settings.maxAbsDifference,
    seed: settings.seed,
  });
  const trainer = new Trainer(extractor, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    loss: { kind: 'probMargin', margin: settings.margin },
    earlyStopping: settings.patience > 0 ? { patience: settings.patience } : undefined,
    checkpointPath: options.checkpointPath,
    resumeFrom: options.resumeFrom,
    signal: options.signal,
    seed: settings.seed,
    onBatch: options.onBatch,
    onEpoch: (record) => options.onEpoch?.(record, adapter),
    selectBy: labelled
      ? { name: `NDCG@10 on ${labelled.queries.length} labelled queries`, evaluate: async () => (await evaluateRetrieval(adapter, labelled.queries, labelled.relevance, options.items, { k: 10 })).ndcg }
      : undefined,
  });
  try {
    const result = await trainer.train(split.train, options.items, split.test);
    return { adapter, result, trainSessions: split.train.length, validationSessions: split.test.length };
  } finally {
    trainer.dispose();
  }
}
