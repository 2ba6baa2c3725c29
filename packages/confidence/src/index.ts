export {
  type AggregatorEdgeOptions,
  type ClicksAggregator,
  type ClicksAggregatorKind,
  type ClicksAggregatorOption,
  clicksAggregator,
  DEFAULT_SOFT_BETA,
  maxAggregator,
  meanAggregator,
  minAggregator,
  type RanksAggregator,
  type RanksAggregatorKind,
  type RanksAggregatorOption,
  resolveClicksAggregator,
  resolveRanksAggregator,
  softExtreme,
} from './aggregators';
export {
  type ConfidenceCalculator,
  type ConfidenceCalculatorOption,
  dummyConfidences,
  minMaxNormalize,
  positionBiasConfidences,
  resolveConfidenceCalculator,
  slidingWindowConfidences,
} from './calculators';
export {
  type ClickObservation,
  clickObservations,
  estimatePropensitiesEm,
  estimatePropensitiesFromRandomization,
  type PairEstimate,
  type PropensityEstimate,
} from './propensities';
export { type ClickCell, type ClickColumns, ClickCounts } from './click-counts';
