// The planner's parts that ClickTune's own executors (@clicktune/extractor,
// @clicktune/tensor) and tests build on: not the public API, and not covered
// by semver. Users plan through `planBatch` and the extractors.
export {
  describeSessionObjects,
  downsampledCount,
  keptNegatives,
  type PaddedObjectParts,
  paddedObjectParts,
  type SessionObjects,
  serializeBatchPlan,
} from './planner';
