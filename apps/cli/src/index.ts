export { type DemoOptions, type DemoResult, runDemo } from './demo';
export { EXIT_CODES, exitCodeOf } from './exit-codes';
export {
  EXPERIMENT_DEFAULTS,
  type ExperimentResult,
  type ExperimentSettings,
  logSessions,
  runExperiment,
  runVariant,
  type SeedSetup,
  setupSeed,
  type Task,
  type Variant,
  VARIANTS,
  type VariantRun,
} from './harness/experiment';
