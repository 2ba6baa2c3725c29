export { executePlan, type PlanExecution } from './execute';
export { FeaturesExtractor, type ForwardResult } from './extractor';
export { listwiseLoss } from './listwise';
export { PlanningExtractor } from './planning-extractor';
export { cosineProbMarginRankingLoss, hingeMarginRankingLoss, type MarginLossOptions, probMarginRankingLoss, smallDifferenceSteepness } from './losses';
export { distanceShift, meanMetrics, type RankingMetrics, rankingMetrics, rankOrder } from './metrics';
export { baseEmbeddingModel, baseItemVectors, baseQueryVectors, linearAdapterModel, multiply, type ReferenceModel } from './models';
export { type FeaturesExtractorOptions, type ResolvedFeaturesExtractorOptions, resolveFeaturesExtractorOptions } from './options';
export { COSINE_EPS, type Ranker, type RankerKind, resolveRanker } from './rankers';
