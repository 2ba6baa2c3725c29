import { InvalidOptionError, SeededRandom } from '@clicktune/core';

/** How sure the gate must be before a new model replaces the one in service. */
export interface GateOptions {
  /** One-sided confidence of the lower bound: a model deploys only when its gain's lower bound at this level is above 0 (default 0.95). */
  readonly confidence?: number;
  /**
   * Fewer queries than this that tell the two models apart are too little
   * evidence, whatever the bootstrap says (default 5: below it even five wins
   * out of five would not pass a one-sided sign test at 95%).
   */
  readonly minQueries?: number;
  /** Bootstrap resamples when the exact distribution is too large to enumerate (default 20,000). */
  readonly resamples?: number;
  /** Seeds the resampling (the exact distribution needs none). */
  readonly seed?: number;
}

export const GATE_DEFAULTS: Required<GateOptions> = { confidence: 0.95, minQueries: 5, resamples: 20_000, seed: 1 };

/** A paired comparison of two models over the same queries. */
export interface PairedComparison {
  readonly queries: number;
  /** Queries on which the two models score differently. */
  readonly differing: number;
  readonly inServiceScore: number;
  readonly candidateScore: number;
  /** Mean per-query difference, candidate − in service. */
  readonly difference: number;
  /** The bootstrap bounds of `difference`: the lower at `confidence`, the upper at `confidence` from above (a 2·confidence − 1 two-sided interval). */
  readonly differenceInterval: readonly [number, number];
  /** `difference` relative to the in-service score (null when that score is 0). */
  readonly gain: number | null;
  readonly gainInterval: readonly [number, number] | null;
  readonly confidence: number;
  /** Exact: every resample enumerated (small query sets); else Monte Carlo. */
  readonly method: 'exact bootstrap' | 'bootstrap';
}

/** What the gate decided, and why, in numbers and in a sentence. */
export interface GateDecision {
  readonly deploy: boolean;
  /** The per-query metric compared (e.g. click-judged NDCG@10 of validation queries). */
  readonly criterion: string;
  /** Null when there was nothing to compare on. */
  readonly comparison: PairedComparison | null;
  readonly reason: string;
}

/** Largest query count whose resamples are enumerated exactly: C(2n − 1, n) = 92,378 multisets for n = 10. */
const EXACT_LIMIT = 10;

/**
 * Paired bootstrap over queries (Efron & Tibshirani; Sakai, 2006, for IR):
 * resample the queries with replacement, take the mean per-query difference,
 * and read the interval off the resampled means' quantiles. For up to ten
 * queries the bootstrap distribution is computed exactly (every multiset of
 * queries with its multinomial probability), so a small case can be checked by
 * hand; above that, seeded Monte Carlo resamples.
 *
 * Quantiles: the lower bound is the smallest resampled mean whose cumulative
 * probability reaches 1 − confidence, the upper bound the smallest that
 * reaches confidence.
 */
export function pairedBootstrap(candidate: ArrayLike<number>, inService: ArrayLike<number>, options: GateOptions = {}): PairedComparison {
  const settings = resolveGate(options);
  if (candidate.length !== inService.length)
    throw new InvalidOptionError(`the two models were scored on different numbers of queries: ${candidate.length} and ${inService.length}`);
  const n = candidate.length;
  if (n === 0) throw new InvalidOptionError('a paired comparison needs at least one query');
  const differences = Array.from({ length: n }, (_, index) => (candidate[index] as number) - (inService[index] as number));
  for (const [index, value] of differences.entries()) {
    if (!Number.isFinite(value)) throw new InvalidOptionError(`query ${index + 1}'s score is not a finite number (${candidate[index]} against ${inService[index]})`);
  }
  const alpha = 1 - settings.confidence;
  const exact = n <= EXACT_LIMIT;
  const distribution = exact ? exactBootstrap(differences) : monteCarloBootstrap(differences, settings.resamples, settings.seed);
  const interval: [number, number] = [quantile(distribution, alpha), quantile(distribution, 1 - alpha)];
  const inServiceScore = mean(Array.from(inService));
  const difference = mean(differences);
  const relative = (value: number) => value / inServiceScore;
  return {
    queries: n,
    differing: differences.filter((value) => value !== 0).length,
    inServiceScore,
    candidateScore: mean(Array.from(candidate)),
    difference,
    differenceInterval: interval,
    gain: inServiceScore > 0 ? relative(difference) : null,
    gainInterval: inServiceScore > 0 ? [relative(interval[0]), relative(interval[1])] : null,
    confidence: settings.confidence,
    method: exact ? 'exact bootstrap' : 'bootstrap',
  };
}

/** What the gate compares on: the metric, and the queries it was measured on. */
export interface GateCriterion {
  /** e.g. "click-judged NDCG@10". */
  readonly metric: string;
  /** e.g. "judged validation queries". */
  readonly queries: string;
}

/**
 * The deployment gate: the candidate replaces the model in service only when
 * the one-sided lower bound of its per-query gain is above 0 and at least
 * `minQueries` queries tell the two apart. Ties and thin evidence keep the
 * model in service.
 */
export function deploymentGate(criterion: GateCriterion, candidate: ArrayLike<number> | null, inService: ArrayLike<number> | null, options: GateOptions = {}): GateDecision {
  const settings = resolveGate(options);
  const name = `${criterion.metric} of ${criterion.queries}`;
  if (!candidate || !inService || candidate.length === 0) {
    return { deploy: false, criterion: name, comparison: null, reason: `no ${criterion.queries} to compare on: not enough evidence, keeping the model in service` };
  }
  const comparison = pairedBootstrap(candidate, inService, settings);
  const percent = Math.round(comparison.confidence * 100);
  const format = comparison.gain !== null ? signedPercent : signed;
  const [low, high] = comparison.gainInterval ?? comparison.differenceInterval;
  const figures = `${comparison.gain !== null ? 'gain' : 'difference'} ${format(comparison.gain ?? comparison.difference)} (lower bound at ${percent}% ${format(low)}, upper ${format(high)})`;
  const head = `${comparison.queries} ${criterion.queries}, ${criterion.metric} ${comparison.inServiceScore.toFixed(4)} in service, ${comparison.candidateScore.toFixed(4)} new; ${figures}`;
  const decide = (deploy: boolean, why: string): GateDecision => ({ deploy, criterion: name, comparison, reason: `${head}: ${why}` });
  if (comparison.differing < settings.minQueries) {
    return decide(
      false,
      `only ${comparison.differing} ${comparison.differing === 1 ? 'query tells' : 'queries tell'} the models apart (the gate needs ${settings.minQueries}), not enough evidence, keeping the model in service`,
    );
  }
  if (comparison.differenceInterval[0] > 0) return decide(true, 'deploying the new adapter');
  if (comparison.differenceInterval[1] < 0 && comparison.difference < 0) return decide(false, 'worse than the model in service, keeping the model in service');
  return decide(false, 'not enough evidence, keeping the model in service');
}

/** The gate's options with defaults filled in, validated (fields named as in `GateOptions`). */
export function resolveGate(options: GateOptions): Required<GateOptions> {
  const settings = { ...GATE_DEFAULTS, ...definedFields(options) };
  if (!(settings.confidence >= 0.5 && settings.confidence < 1))
    throw new InvalidOptionError(`the gate's confidence must be in [0.5, 1), got ${settings.confidence}`, { location: { field: 'gate.confidence' } });
  if (!Number.isSafeInteger(settings.minQueries) || settings.minQueries < 0)
    throw new InvalidOptionError(`the gate's minimum query count must be a whole number ≥ 0, got ${settings.minQueries}`, { location: { field: 'gate.minQueries' } });
  if (!Number.isSafeInteger(settings.resamples) || settings.resamples < 100)
    throw new InvalidOptionError(`the gate needs at least 100 resamples, got ${settings.resamples}`, { location: { field: 'gate.resamples' } });
  return settings;
}

/** The fields that are not undefined: a field given as undefined takes its default. */
export function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** Resampled means, ascending, with their probabilities (one for all when every resample weighs the same). */
type Distribution = { values: Float64Array; probability: Float64Array | number };

/** Every multiset of n of the n differences, with probability n! / (∏ cᵢ! · nⁿ). */
function exactBootstrap(differences: readonly number[]): Distribution {
  const n = differences.length;
  const logFactorial = [0];
  for (let value = 1; value <= n; value += 1) logFactorial.push((logFactorial[value - 1] as number) + Math.log(value));
  const base = (logFactorial[n] as number) - n * Math.log(n);
  const outcomes: Array<{ value: number; probability: number }> = [];
  const visit = (index: number, left: number, sum: number, logWeight: number) => {
    if (index === n - 1) {
      outcomes.push({ value: (sum + left * (differences[index] as number)) / n, probability: Math.exp(base + logWeight - (logFactorial[left] as number)) });
      return;
    }
    for (let count = 0; count <= left; count += 1) visit(index + 1, left - count, sum + count * (differences[index] as number), logWeight - (logFactorial[count] as number));
  };
  visit(0, n, 0, 0);
  outcomes.sort((a, b) => a.value - b.value);
  return { values: Float64Array.from(outcomes, (outcome) => outcome.value), probability: Float64Array.from(outcomes, (outcome) => outcome.probability) };
}

function monteCarloBootstrap(differences: readonly number[], resamples: number, seed: number): Distribution {
  const n = differences.length;
  const values = Float64Array.from(differences);
  const means = new Float64Array(resamples);
  // The kept draws when they fit, else drawn as they are summed: the same indices in the same order.
  const draws = resampleDraws(seed, n, resamples);
  if (draws) {
    for (let resample = 0, offset = 0; resample < resamples; resample += 1) {
      let sum = 0;
      for (const end = offset + n; offset < end; offset += 1) sum += values[draws[offset] as number] as number;
      means[resample] = sum / n;
    }
  } else {
    const random = SeededRandom.fromSeed(seed);
    for (let resample = 0; resample < resamples; resample += 1) {
      let sum = 0;
      for (let draw = 0; draw < n; draw += 1) sum += values[random.nextInt(n)] as number;
      means[resample] = sum / n;
    }
  }
  // A typed array sorts numerically without a comparator; every resample weighs the same.
  return { values: means.sort(), probability: 1 / resamples };
}

/** Most query draws kept between calls: 2²⁴ as 16-bit indices, 32 MiB. */
const KEPT_DRAWS_LIMIT = 2 ** 24;
let keptDraws: { seed: number; n: number; resamples: number; draws: Uint16Array } | null = null;

/**
 * The resampled query indices, in draw order, for a seed, a query count and
 * a resample count. Every call with the same three draws the same indices, and
 * epoch selection compares some twenty epochs' scores on one query set, so the
 * last set is kept (the draws cost ~20 ns each; the sums over them ~1 ns). Null
 * when they would not fit: the caller then draws as it sums.
 */
function resampleDraws(seed: number, n: number, resamples: number): Uint16Array | null {
  if (n > 2 ** 16 || n * resamples > KEPT_DRAWS_LIMIT) return null;
  if (keptDraws && keptDraws.seed === seed && keptDraws.n === n && keptDraws.resamples === resamples) return keptDraws.draws;
  const random = SeededRandom.fromSeed(seed);
  const draws = new Uint16Array(n * resamples);
  for (let index = 0; index < draws.length; index += 1) draws[index] = random.nextInt(n);
  keptDraws = { seed, n, resamples, draws };
  return draws;
}

/** The smallest value whose cumulative probability reaches `level` (with a little slack for rounding). */
function quantile(distribution: Distribution, level: number): number {
  const { values, probability } = distribution;
  let cumulative = 0;
  for (let index = 0; index < values.length; index += 1) {
    cumulative += typeof probability === 'number' ? probability : (probability[index] as number);
    if (cumulative >= level - 1e-12) return values[index] as number;
  }
  return values[values.length - 1] as number;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function signedPercent(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)}%`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(4)}`;
}
