import type { ConfidenceCalculatorOption } from '@clicktune/confidence';
import { InvalidOptionError } from '@clicktune/core';
import { definedFields, GATE_DEFAULTS, type GateOptions, resolveGate } from './gate';

/** Everything the recipe is tuned by: one type for `train`, the demo, the harness and library callers. */
export interface LearnSettings {
  /**
   * clicktune: train on click-model relevance with a listwise term whose negatives reach beyond the
   * logged lists, keep the epoch with the best click-judged NDCG@10 of held-out queries. pairwise:
   * the original's pairwise loss on clicked × unclicked logged results, kept by the validation loss.
   */
  method: 'clicktune' | 'pairwise';
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  /** Decay toward the identity adapter (decoupled), per step. */
  weightDecay: number;
  confidence: ConfidenceCalculatorOption;
  towers: 'both' | 'query' | 'item';
  residual: boolean;
  margin: number;
  negativeDownsamplingFactor: number;
  minAbsDifference: number;
  maxAbsDifference: number;
  /** Share of the logged queries held out (with all their sessions) for selection and the gate: clicks only, never test labels. */
  validationFraction: number;
  /** Early stopping on the selection criterion (the validation loss for pairwise); 0 turns it off. */
  patience: number;
  /** clicktune: weight of the listwise term. */
  listwiseWeight: number;
  /**
   * clicktune: with a catalogue of more than `batchSize × hardNegativePool` items, hard negatives are looked for
   * among each query's top `hardNegativePool` results of the starting model, not in the whole catalogue at every
   * step (whose cost grows with the catalogue). 0: always the whole catalogue.
   */
  hardNegativePool: number;
  /** Which (query, item) pairs the click model calls relevant: attractiveness ≥ threshold and at least minClicks clicks. */
  clickLabels: { threshold: number; minClicks: number };
  /** Expected examinations (Σ θ) before an unclicked validation pair is judged not relevant. */
  minExamination: number;
  /**
   * 1: one held-out validation split (`validationFraction` of the queries). K ≥ 2 (clicktune method):
   * cross-fitting — every query is held out once, in K folds, so the gate sees K times the evidence;
   * K + 1 trainings.
   */
  folds: number;
  /** How epochs compete: on the criterion's mean, or on the gate's estimate (the lower bound of the gain over the model in service). */
  epochSelection: 'mean' | 'lowerBound';
  /** Validation judgements: binary (relevant 1, examined without qualifying 0) or graded (the click model's attractiveness). */
  judgement: 'binary' | 'graded';
  /** The deployment gate; `enabled: false` deploys the kept epoch without a test (the original's behaviour). */
  gate: Required<GateOptions> & { enabled: boolean };
  seed: number;
}

/**
 * The recipe's defaults. Chosen on dev labels (held-out training queries) of
 * the quality harness, never on test labels; the evidence is in
 * apps/cli/quality-results.
 */
export const DEFAULT_SETTINGS: LearnSettings = {
  method: 'clicktune',
  epochs: 20,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 2e-3,
  // Pull toward the identity adapter (DESIGN.md: "keeps adapters near identity").
  weightDecay: 10,
  confidence: 'dummy',
  towers: 'both',
  residual: false,
  margin: 0.1,
  negativeDownsamplingFactor: 1,
  minAbsDifference: 0,
  maxAbsDifference: 1,
  validationFraction: 0.1,
  patience: 0,
  listwiseWeight: 1,
  // 64 × 100 = 6,400 items: every embedded task (≤ 5,185 items) is scored whole, as before pools existed.
  hardNegativePool: 100,
  clickLabels: { threshold: 0.5, minClicks: 2 },
  minExamination: 4,
  judgement: 'binary',
  epochSelection: 'lowerBound',
  // Chosen on dev labels across the three tasks (apps/cli/quality-results/2026-12-01).
  folds: 5,
  gate: { ...GATE_DEFAULTS, enabled: true },
  seed: 1,
};

/** Where `method: 'pairwise'` differs by default: 5 epochs at 3e-4, stopping after 2 without a better validation loss. */
export const PAIRWISE_DEFAULTS: Pick<LearnSettings, 'epochs' | 'learningRate' | 'patience'> = { epochs: 5, learningRate: 3e-4, patience: 2 };

/** Settings as a caller may give them: any field, and the nested ones in part. */
export type LearnSettingsInput = Partial<Omit<LearnSettings, 'gate' | 'clickLabels'>> & {
  gate?: Partial<LearnSettings['gate']>;
  clickLabels?: Partial<LearnSettings['clickLabels']>;
};

/** Fills in the defaults (the pairwise method's own where it has them) and validates every field. */
export function resolveSettings(input: LearnSettingsInput = {}): LearnSettings {
  const given = definedFields(input);
  const methodDefaults = given.method === 'pairwise' ? PAIRWISE_DEFAULTS : {};
  const settings: LearnSettings = {
    ...DEFAULT_SETTINGS,
    ...methodDefaults,
    ...given,
    // A field given as undefined takes its default, in the nested settings too.
    clickLabels: { ...DEFAULT_SETTINGS.clickLabels, ...definedFields(given.clickLabels ?? {}) },
    gate: { ...DEFAULT_SETTINGS.gate, ...definedFields(given.gate ?? {}) },
  } as LearnSettings;
  const fail = (field: string, expected: string, value: unknown) => {
    throw new InvalidOptionError(`${field} must be ${expected}, got ${JSON.stringify(value)}`, { location: { field } });
  };
  const oneOf = (field: keyof LearnSettings, values: readonly string[]) => {
    if (!values.includes(settings[field] as string)) fail(field, `one of ${values.join(', ')}`, settings[field]);
  };
  const whole = (field: string, value: number, minimum: number) => {
    if (!Number.isSafeInteger(value) || value < minimum) fail(field, `a whole number ≥ ${minimum}`, value);
  };
  const finite = (field: string, value: number, test: (value: number) => boolean, expected: string) => {
    if (!Number.isFinite(value) || !test(value)) fail(field, expected, value);
  };
  oneOf('method', ['clicktune', 'pairwise']);
  oneOf('optimizer', ['sgd', 'adam']);
  oneOf('towers', ['both', 'query', 'item']);
  oneOf('confidence', ['dummy', 'slidingWindow', 'positionBias']);
  oneOf('judgement', ['binary', 'graded']);
  oneOf('epochSelection', ['mean', 'lowerBound']);
  whole('epochs', settings.epochs, 0);
  whole('batchSize', settings.batchSize, 1);
  whole('patience', settings.patience, 0);
  whole('seed', settings.seed, 0);
  whole('folds', settings.folds, 1);
  whole('hardNegativePool', settings.hardNegativePool, 0);
  // A learning rate far above 1 only ever trains to non-finite weights.
  finite('learningRate', settings.learningRate, (value) => value > 0 && value <= 10, 'a number in (0, 10]');
  finite(
    'weightDecay',
    settings.weightDecay,
    (value) => value >= 0 && settings.learningRate * value < 1,
    `a number ≥ 0 with learningRate × weightDecay < 1 (a larger step overshoots the identity)`,
  );
  finite('margin', settings.margin, (value) => value >= 0, 'a finite number ≥ 0');
  finite('negativeDownsamplingFactor', settings.negativeDownsamplingFactor, (value) => value > 0 && value <= 1, 'a number in (0, 1]');
  finite('validationFraction', settings.validationFraction, (value) => value > 0 && value < 1, 'a number in (0, 1)');
  finite('listwiseWeight', settings.listwiseWeight, (value) => value >= 0, 'a finite number ≥ 0');
  finite('clickLabels.threshold', settings.clickLabels.threshold, (value) => value >= 0 && value <= 1, 'a number in [0, 1]');
  whole('clickLabels.minClicks', settings.clickLabels.minClicks, 1);
  finite('minExamination', settings.minExamination, (value) => value >= 0, 'a finite number ≥ 0');
  if (typeof settings.residual !== 'boolean') fail('residual', 'true or false', settings.residual);
  if (typeof settings.gate.enabled !== 'boolean') fail('gate.enabled', 'true or false', settings.gate.enabled);
  return { ...settings, gate: { ...resolveGate(settings.gate), enabled: settings.gate.enabled } };
}
