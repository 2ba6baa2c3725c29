export { executePlan, type PlanExecution } from './execute';
export { FeaturesExtractor, type ForwardResult } from './extractor';
export { listwiseLoss } from './listwise';
export { cosineProbMarginRankingLoss, hingeMarginRankingLoss, type MarginLossOptions, probMarginRankingLoss } from './losses';
export { baseEmbeddingModel, linearAdapterModel, multiply, type ReferenceModel } from './models';
