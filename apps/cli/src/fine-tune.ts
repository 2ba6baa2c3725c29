import type { ConfidenceCalculatorOption } from '@clicktune/confidence';
import { EmptyInputError, type FineTuningInput, type ItemsSet, type Relevance, SeededRandom, splitByQueries } from '@clicktune/core';
import { type BatchProgress, type EmbeddingModel, type EpochRecord, evaluateRetrieval, FeaturesExtractor, LinearAdapter, Trainer, type TrainingResult } from '@clicktune/tensor';
import { CLICKTUNE_LISTWISE, clickJudgements, clickModelRelevance, judgedNdcg, queriesWithRelevant, relevanceSessions, topCandidates } from './click-training';

/** What `train` and `demo` fine-tune with; every field has a CLI flag. */
export interface FineTuneSettings {
  /**
   * clicktune: train on click-model relevance with a listwise term whose negatives reach beyond the
   * logged lists, keep the epoch with the best click-judged NDCG@10 of held-out queries (the quality
   * harness's method). pairwise: the original's pairwise loss on clicked × unclicked logged results,
   * kept by the validation loss.
   */
  method: 'clicktune' | 'pairwise';
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
  /** Early stopping on the selection criterion (the validation loss for pairwise); 0 turns it off. */
  patience: number;
  /** clicktune: weight of the listwise term. */
  listwiseWeight: number;
  /** clicktune: which (query, item) pairs the click model calls relevant. */
  clickLabels: { threshold: number; minClicks: number };
  /** clicktune: expected examinations before an unclicked validation pair is judged not relevant. */
  minExamination: number;
  seed: number;
}

/** The quality harness's ClickTune settings (`EXPERIMENT_DEFAULTS`), where `train` and the harness share them. */
export const DEFAULT_SETTINGS: FineTuneSettings = {
  method: 'clicktune',
  epochs: 20,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 2e-3,
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
  // The harness trains 20 epochs and keeps the best by the criterion, without stopping early.
  patience: 0,
  listwiseWeight: 1,
  clickLabels: { threshold: 0.5, minClicks: 2 },
  minExamination: 4,
  seed: 1,
};

/** Where `--method pairwise` keeps its own defaults (the previous `train`): 5 epochs at 3e-4, stopping after 2 without a better validation loss. */
export const PAIRWISE_DEFAULTS: Pick<FineTuneSettings, 'epochs' | 'learningRate' | 'patience'> = { epochs: 5, learningRate: 3e-4, patience: 2 };

export interface FineTuneRun {
  readonly adapter: LinearAdapter;
  readonly result: TrainingResult;
  readonly trainSessions: number;
  readonly validationSessions: number;
  /** How the kept epoch was chosen, in words. */
  readonly selection: string;
  /** The selection criterion of the adapter in service, when one competed. */
  readonly inServiceScore: number | null;
  /** No epoch beat the adapter in service: keep serving it (`adapter` holds the best epoch all the same). */
  readonly keptInService: boolean;
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
  /**
   * The adapter users are served now (a later round of the loop): it competes
   * with the epochs instead of the untrained adapter, when there is a
   * criterion to compare them by.
   */
  inService?: EmbeddingModel;
  /** Called once before training with what it trains on and how it selects. */
  onPlan?: (plan: { trainSessions: number; validationSessions: number; selection: string }) => void;
}): Promise<FineTuneRun> {
  const settings = options.settings;
  const labelled = options.labelledSelection;
  const split = splitByQueries(options.sessions, { testFraction: settings.validationFraction, random: SeededRandom.fromSeed(settings.seed) });
  const clickTune = settings.method === 'clicktune';
  const relevance = clickTune ? clickModelRelevance(split.train, settings.clickLabels) : undefined;
  if (relevance && relevance.size === 0) {
    throw new EmptyInputError(
      `no (query, result) pair of the ${split.train.length} training sessions has the clicks to be called relevant (≥ ${settings.clickLabels.minClicks} clicks and click-model attractiveness ≥ ${settings.clickLabels.threshold}): log more sessions per query, or train with --method pairwise`,
    );
  }
  const judgements = clickTune ? clickJudgements(split.test, { ...settings.clickLabels, minExamination: settings.minExamination }) : undefined;
  const judgedQueries = judgements ? queriesWithRelevant(judgements).length : 0;
  const adapter =
    options.adapter ?? new LinearAdapter({ inputDimension: options.items.dimension, towers: settings.towers, residual: settings.residual, queries: options.queries });
  let trainSessions = split.train;
  if (relevance) {
    try {
      // The starting adapter's top 20 head each list, so the listwise term also pushes down what it ranks too high.
      trainSessions = relevanceSessions(split.train, relevance, { candidates: await topCandidates(adapter, split.train, options.items) });
    } catch (error) {
      if (!options.adapter) adapter.dispose();
      throw error;
    }
  }
  const extractor = new FeaturesExtractor(adapter, {
    queries: options.queries,
    confidenceCalculator: settings.confidence,
    negativeDownsamplingFactor: settings.negativeDownsamplingFactor,
    minAbsDifference: settings.minAbsDifference,
    maxAbsDifference: settings.maxAbsDifference,
    seed: settings.seed,
  });
  const criterion = labelled
    ? { name: `NDCG@10 on ${labelled.queries.length} labelled queries`, of: async (model: EmbeddingModel) => (await evaluateRetrieval(model, labelled.queries, labelled.relevance, options.items, { k: 10 })).ndcg }
    : judgements && judgedQueries > 0
      ? { name: `click-judged NDCG@10 on ${judgedQueries} validation queries`, of: (model: EmbeddingModel) => judgedNdcg(model, judgements, options.items) }
      : undefined;
  const inService = criterion ? options.inService : undefined;
  const selectBy = criterion ? { name: criterion.name, evaluate: () => criterion.of(adapter), includeInitial: inService === undefined } : undefined;
  const selection = selectBy
    ? `the epoch with the best ${selectBy.name} (${inService ? 'the adapter in service' : 'the untrained adapter'} competing)${labelled ? ', not by clicks' : ''}`
    : clickTune
      ? 'the last epoch: no validation query has a click-judged relevant result to select with'
      : settings.patience > 0
        ? 'the epoch with the lowest validation loss'
        : 'the last epoch';
  const inServiceScore = inService && criterion ? await criterion.of(inService) : null;
  const trainer = new Trainer(extractor, {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    loss: { kind: 'probMargin', margin: settings.margin },
    earlyStopping: settings.patience > 0 ? { patience: settings.patience } : undefined,
    pairwiseWeight: clickTune ? 0 : 1,
    listwise: clickTune ? { weight: settings.listwiseWeight, ...CLICKTUNE_LISTWISE } : undefined,
    checkpointPath: options.checkpointPath,
    resumeFrom: options.resumeFrom,
    signal: options.signal,
    seed: settings.seed,
    onBatch: options.onBatch,
    onEpoch: (record) => options.onEpoch?.(record, adapter),
    selectBy,
  });
  try {
    options.onPlan?.({ trainSessions: trainSessions.length, validationSessions: split.test.length, selection });
    const result = await trainer.train(trainSessions, options.items, split.test);
    // Ties keep the adapter in service: a change has to earn its deployment.
    const keptInService = inServiceScore !== null && inServiceScore >= (result.bestSelectionScore ?? Number.NEGATIVE_INFINITY);
    return { adapter, result, trainSessions: trainSessions.length, validationSessions: split.test.length, selection, inServiceScore, keptInService };
  } finally {
    trainer.dispose();
  }
}
