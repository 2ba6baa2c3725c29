import './gradients';

export { catalogueEmbeddings, evaluateRetrieval, evaluateSessions, retrieveTopK, type SessionEvaluation, scoreSessions } from './evaluation';
export { FeaturesExtractor, type ScoringStrategy, type TensorForwardResult } from './extractor';
export { disposeTensorFeatures, type TensorFeatures, toAllFeatures, toFeatures } from './features';
export {
  cosineProbMarginRankingLoss,
  type FeaturesLoss,
  hingeMarginRankingLoss,
  type LossOption,
  type MarginLossOptions,
  probMarginRankingLoss,
  resolveLoss,
  type SigmoidMarginForm,
} from './losses';
export { BaseEmbeddings, type EmbeddingModel, LinearAdapter, type LinearAdapterOptions, type LayersModelLike, layersModelAdapter } from './models';
export { buildListwiseBatch, type ListwiseBatch, type ListwiseImplementation, listwiseLoss } from './listwise';
export { type ListwiseOptions, validateListwise } from '@clicktune/core';
export { type LearningRateSchedule, learningRateAt } from './schedule';
export { type BatchProgress, type EpochRecord, type PairwiseImplementation, type TowerOptimization, Trainer, type TrainerOptions, type TrainingResult } from './trainer';
export { fusedPairwiseLoss } from './pairwise-fused';
export {
  ADAPTER_FORMAT,
  ADAPTER_FORMAT_VERSION,
  decodeAdapter,
  decodeFoldAdapters,
  encodeAdapter,
  encodeFoldAdapters,
  FOLD_ADAPTERS_FORMAT,
  loadAdapter,
  loadFoldAdapters,
  saveAdapter,
  saveFoldAdapters,
} from './weights';
