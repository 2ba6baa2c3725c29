import {
  type ClicksAggregatorOption,
  type ConfidenceCalculator,
  type ConfidenceCalculatorOption,
  type RanksAggregator,
  type RanksAggregatorOption,
  resolveClicksAggregator,
  resolveConfidenceCalculator,
  resolveRanksAggregator,
} from '@clicktune/confidence';
import {
  InvalidOptionError,
  type Ranker,
  type RankerKind,
  type ResolvedBatchPlanOptions,
  resolveBatchPlanOptions,
  resolveRanker,
  type SearchScoresFunction,
} from '@clicktune/core';

/** The options of a FeaturesExtractor (DESIGN.md "Semantics"), shared by the reference and tensor extractors. */
export interface FeaturesExtractorOptions {
  ranker?: RankerKind | Ranker;
  /** Defaults to what the ranker is (cosine, dot, negativeEuclidean: true; euclidean: false). */
  isSimilarity?: boolean;
  notIrrelevantOnly?: boolean;
  shuffleIrrelevant?: boolean;
  negativeDownsamplingFactor?: number;
  minAbsDifference?: number;
  maxAbsDifference?: number;
  confidenceCalculator?: ConfidenceCalculatorOption;
  ranksAggregator?: RanksAggregatorOption;
  clicksAggregator?: ClicksAggregatorOption;
  missingItems?: 'error' | 'skip';
  seed?: number;
}

export interface ResolvedFeaturesExtractorOptions {
  readonly ranker: Ranker;
  readonly ranksAggregator: RanksAggregator;
  readonly confidenceCalculator: ConfidenceCalculator;
  readonly plan: ResolvedBatchPlanOptions;
  readonly seed: number;
}

/** Validates every option with a clear error and fills DESIGN.md's defaults. */
export function resolveFeaturesExtractorOptions(options: FeaturesExtractorOptions = {}, searchScores?: SearchScoresFunction): ResolvedFeaturesExtractorOptions {
  const ranker = resolveRanker(options.ranker);
  const ranksAggregator = resolveRanksAggregator(options.ranksAggregator);
  const clicksAggregator = resolveClicksAggregator(options.clicksAggregator);
  const confidenceCalculator = resolveConfidenceCalculator(options.confidenceCalculator);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new InvalidOptionError(`seed must be an integer, got ${seed}`, { location: { field: 'seed' } });
  const plan = resolveBatchPlanOptions({
    isSimilarity: options.isSimilarity ?? ranker.isSimilarity,
    negativeDownsamplingFactor: options.negativeDownsamplingFactor,
    minAbsDifference: options.minAbsDifference,
    maxAbsDifference: options.maxAbsDifference,
    notIrrelevantOnly: options.notIrrelevantOnly,
    shuffleIrrelevant: options.shuffleIrrelevant,
    confidenceCalculator: (ranks, clicks) => confidenceCalculator.calculate(ranks, clicks),
    aggregateSearchScores: (values) => ranksAggregator.aggregate(values),
    aggregateClicks: (values) => clicksAggregator.aggregate(values),
    searchScores,
    missingItems: options.missingItems,
  });
  return { ranker, ranksAggregator, confidenceCalculator, plan, seed };
}
