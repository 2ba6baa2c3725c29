export {
  type AttractivenessOptions,
  attractiveness,
  type ClickModel,
  type ClickModelName,
  type ClickOutcome,
  cascadeModel,
  dynamicBayesianNetworkModel,
  positionBasedModel,
  resolveClickModel,
} from './click-models';
export { type ShownResult, type SimulationOptions, simulateSessions, streamSessions, zipfSampler } from './sessions';
