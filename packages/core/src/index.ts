export {
  BackendUnavailableError,
  ClickTuneError,
  type ClickTuneErrorCode,
  DimensionMismatchError,
  EmptyInputError,
  type ErrorLocation,
  FileAccessError,
  formatLocation,
  InvalidItemError,
  InvalidJsonError,
  InvalidOptionError,
  InvalidRelevanceError,
  InvalidSessionError,
  InvalidWeightsError,
  MissingItemsError,
} from './errors';
export { FineTuningFeatures, type FineTuningFeaturesFields, smallDifferenceSteepness, validateDifferenceBounds } from './features';
export { baseItemVectors, baseQueryVectors } from './base-vectors';
export { COSINE_EPS, type Ranker, type RankerKind, resolveRanker } from './rankers';
export { discountedCumulativeGain, distanceShift, exponentialGain, meanMetrics, type RankingMetrics, rankingMetrics, rankOrder } from './metrics';
export { readBinaryFile, readJsonl, readJsonlEntries, readTextLines, removeTemporaryFiles, writeFileAtomic, writeJsonl } from './files';
export { type FileContent, type JsonlEntry, type JsonlLine, parseJsonl, parseJsonLine, STANDARD_STREAM } from './jsonl';
export { describeValue, type IdLike, normalizeId } from './ids';
export { type ListwiseOptions, type ListwisePlan, listwiseSessions, planListwiseBatch, validateListwise } from './listwise-plan';
export {
  catalogueCheck,
  type ReadSessionsOptions,
  type Relevance,
  readItemsBinary,
  readItemsJsonl,
  readRelevance,
  readSessions,
  readSessionsArray,
  type SkippedRecord,
  writeSessions,
} from './io';
export { allocateMatrix, type Item, type ItemRecordInit, ItemsSet, parseItemRecord, requireNonEmpty } from './items';
export { DEFAULT_EXAMINATION_PROPENSITIES, examinationAt, validatePropensities } from './examination';
export { SeededRandom } from './random';
export {
  FineTuningInput,
  type FineTuningInputInit,
  mapToObject,
  type MissingEventsPolicy,
  type QueryReference,
  type SessionValidationOptions,
  type SessionWarning,
} from './session';
export {
  type BatchPlan,
  type BatchPlanOptions,
  type ConfidenceFunction,
  type PlanReport,
  pairRelevantWithIrrelevant,
  planBatch,
  type ReduceFunction,
  type ResolvedBatchPlanOptions,
  resolveBatchPlanOptions,
  type SearchScoresFunction,
  type SkippedSession,
  type SkipReason,
} from './planner';
export { heldOutQueries, isTestSessionByItems, queryKey, queryKeyOf, queryOfKey, type SessionSplit, splitByQueries, splitByTestItems, splitByTime } from './split';
export { decodeSafetensors, encodeSafetensors, type NamedFloatTensor, type SafetensorsContent } from './safetensors';
