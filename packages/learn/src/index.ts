export {
  CLICKTUNE_LISTWISE,
  type ClickLabelOptions,
  type ClickLog,
  clickCountsOf,
  clickJudgements,
  clickModelRelevance,
  judgedNdcg,
  judgedNdcgPerQuery,
  queriesWithRelevant,
  relevanceSessions,
  type StartingCandidates,
  startingCandidates,
  topCandidates,
} from './click-labels';
/** Query keys live in core; re-exported because judgements and validation queries are keyed by them. */
export { queryKey, queryKeyOf, queryOfKey } from '@clicktune/core';
/** The counts a streamed log is read into; re-exported because `learnFromClicks` and `fineTune` take them as `clicks`. */
export { ClickCounts } from '@clicktune/confidence';
export { type AdapterWeights, type FoldContext, type FoldOutcome, type FoldRunner, type FoldTask, IN_PROCESS_FOLDS, trainFold } from './folds';
export { type FineTuneOptions, type FineTunePlan, type FineTuneRun, fineTune, validationQueriesOf } from './fine-tune';
export { deploymentGate, GATE_DEFAULTS, type GateCriterion, type GateDecision, type GateOptions, type PairedComparison, pairedBootstrap } from './gate';
export { type LearnFromClicksOptions, type LearnFromClicksResult, learnFromClicks } from './learn';
export { DEFAULT_SETTINGS, type LearnSettings, type LearnSettingsInput, PAIRWISE_DEFAULTS, resolveSettings } from './settings';
