export { type ExplorationPolicy, explorationSlots, noExploration, type RankedCandidate, type ShownCandidate } from './policies';
