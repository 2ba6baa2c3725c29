export { type DemoOptions, type DemoResult, runDemo } from './demo';
export { EXIT_CODES, exitCodeOf } from './exit-codes';
export { DEFAULT_SETTINGS, type FineTuneRun, type FineTuneSettings, fineTune, PAIRWISE_DEFAULTS } from './fine-tune';
export { CLICKTUNE_LISTWISE, type ClickLabelOptions, clickJudgements, clickModelRelevance, judgedNdcg, queriesWithRelevant, queryOfKey, relevanceSessions, topCandidates } from './click-training';
export { EXPERIMENT_DEFAULTS, type ExperimentResult, type ExperimentSettings, runExperiment, logSessions, runVariant, setupSeed, type Variant, VARIANTS, type VariantRun } from './experiment';
