export { type FeaturesExtractorOptions, type ResolvedFeaturesExtractorOptions, resolveFeaturesExtractorOptions } from './options';
export { PlanningExtractor } from './planning-extractor';
