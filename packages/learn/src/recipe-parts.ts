import type { ClickCounts } from '@clicktune/confidence';
import { type FineTuningInput, InvalidOptionError, type ItemsSet } from '@clicktune/core';
import { type FeaturesExtractor, LinearAdapter, type TrainerOptions, type TrainingResult } from '@clicktune/tensor';
import { CLICKTUNE_LISTWISE, type ClickLog, clickCountsOf } from './click-labels';
import { pairedBootstrap } from './gate';
import type { LearnSettings } from './settings';

/*
 * Pieces both validation schemes (one held-out split, cross-fitting) and
 * `learnFromClicks` share, so each is said once.
 */

/** A new adapter as the settings build it, at the identity (or the given weights). */
export function settingsAdapter(items: ItemsSet, settings: LearnSettings, queries?: ItemsSet, initialWeights?: { query?: Float32Array; item?: Float32Array }): LinearAdapter {
  return new LinearAdapter({ inputDimension: items.dimension, towers: settings.towers, residual: settings.residual, queries, initialWeights });
}

export function extractorOptions(queries: ItemsSet | undefined, settings: LearnSettings): ConstructorParameters<typeof FeaturesExtractor>[1] {
  return {
    queries,
    confidenceCalculator: settings.confidence,
    negativeDownsamplingFactor: settings.negativeDownsamplingFactor,
    minAbsDifference: settings.minAbsDifference,
    maxAbsDifference: settings.maxAbsDifference,
    seed: settings.seed,
  };
}

/** The trainer's options for the settings' method (the clicktune listwise term, or the original's pairs), with per-run overrides. */
export function trainerOptionsOf(settings: LearnSettings, overrides: Partial<TrainerOptions> = {}): TrainerOptions {
  const clickTune = settings.method === 'clicktune';
  return {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    loss: { kind: 'probMargin', margin: settings.margin },
    earlyStopping: settings.patience > 0 ? { patience: settings.patience } : undefined,
    pairwiseWeight: clickTune ? 0 : 1,
    listwise: clickTune ? { weight: settings.listwiseWeight, ...CLICKTUNE_LISTWISE } : undefined,
    seed: settings.seed,
    ...overrides,
  };
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index += 1) sum += values[index] as number;
  return values.length === 0 ? 0 : sum / values.length;
}

/** What epochs compete on: the gate's lower bound of the gain over the model in service, or the criterion's mean. */
export function selectionScore(scores: Float64Array, inServiceScores: Float64Array | null, settings: LearnSettings): number {
  if (scores.length === 0) return 0;
  return settings.epochSelection === 'lowerBound' && inServiceScores ? pairedBootstrap(scores, inServiceScores, settings.gate).differenceInterval[0] : mean(scores);
}

/** "lower bound of the gain in " or nothing, before the criterion's name. */
export function selectionPrefix(settings: LearnSettings): string {
  return settings.epochSelection === 'lowerBound' ? 'lower bound of the gain in ' : '';
}

/** Why no list could be made: no pair has the clicks to be called relevant. */
export function tooFewClicks(sessions: number, what: string, settings: LearnSettings): string {
  return `no (query, result) pair of the ${sessions} ${what} has the clicks to be called relevant (≥ ${settings.clickLabels.minClicks} clicks and click-model attractiveness ≥ ${settings.clickLabels.threshold})`;
}

/** The result of a run that trained nothing. */
export function untrained(bestSelectionScore: number | null): TrainingResult {
  return { history: [], steps: 0, stoppedEarly: false, interrupted: false, bestValidationLoss: null, bestSelectionScore };
}

/** The log's sessions, for what needs whole sessions (the pairwise method, events as relevance). */
function sessionsOf(options: { sessions?: readonly FineTuningInput[]; clicks?: ClickCounts }, needs: string): readonly FineTuningInput[] {
  if (options.sessions) return options.sessions;
  throw new InvalidOptionError(`${needs} needs the sessions themselves, not their click counts`, { location: { field: 'sessions' } });
}

/** The click log a run learns from: its counts when it only needs counts (clicktune method), else its sessions. */
export function clickLogOf(options: { sessions?: readonly FineTuningInput[]; clicks?: ClickCounts; relevanceFrom?: 'clicks' | 'events' }, settings: LearnSettings): ClickLog {
  if (options.sessions === undefined && options.clicks === undefined) throw new InvalidOptionError('give the sessions or their click counts', { location: { field: 'sessions' } });
  if (settings.method === 'clicktune' && options.relevanceFrom !== 'events') return options.clicks ?? clickCountsOf(options.sessions as readonly FineTuningInput[]);
  return sessionsOf(options, settings.method === 'pairwise' ? 'the pairwise method' : 'relevanceFrom: events');
}
