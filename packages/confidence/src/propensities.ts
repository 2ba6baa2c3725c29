import { EmptyInputError, type FineTuningInput, InvalidOptionError, queryKeyOf } from '@clicktune/core';

/** One shown result: which query and item, at which 0-based position, and whether it was clicked. */
export interface ClickObservation {
  readonly query: string;
  readonly item: string;
  readonly position: number;
  readonly clicked: boolean;
}

/** The (query, item, position, clicked) observations of logged sessions, up to `maxPositions`. */
export function clickObservations(sessions: Iterable<FineTuningInput>, maxPositions = 10): ClickObservation[] {
  const observations: ClickObservation[] = [];
  for (const input of sessions) {
    const key = queryKeyOf(input);
    input.results.forEach((item, position) => {
      if (position < maxPositions) observations.push({ query: key, item, position, clicked: input.isEvent(item) });
    });
  }
  return observations;
}

/** The estimated attractiveness of one (query, item) pair with its evidence. */
export interface PairEstimate {
  readonly query: string;
  readonly item: string;
  /** γ: P(click | examined), the click model's estimate of relevance. */
  readonly attractiveness: number;
  readonly impressions: number;
  readonly clicks: number;
}

export interface PropensityEstimate {
  /** θ_k per 0-based position. */
  readonly propensities: Float64Array;
  /** γ per (query, item) pair seen in the logs. */
  readonly pairs: readonly PairEstimate[];
  readonly iterations: number;
  /** Log-likelihood after each iteration (non-decreasing for EM). */
  readonly logLikelihood: readonly number[];
}

/**
 * Estimates examination propensities of a position-based model from the
 * logs themselves by expectation–maximisation (Wang et al., 2018: "Position
 * bias estimation for unbiased learning to rank in personal search"):
 * P(click) = θ_k · γ_{q,d}. The E-step splits each non-click into
 * "not examined" and "examined, not relevant"; the M-step re-estimates θ_k
 * and γ_{q,d} from the expected counts. θ is identifiable only where the
 * same (query, item) is shown at several positions (rankings that change,
 * or exploration); estimates are clipped into [minPropensity, 1].
 */
export function estimatePropensitiesEm(
  observations: readonly ClickObservation[],
  options: { positions?: number; iterations?: number; tolerance?: number; minPropensity?: number } = {},
): PropensityEstimate {
  if (observations.length === 0) throw new EmptyInputError('no click observations to estimate propensities from');
  const positions = options.positions ?? 1 + observations.reduce((max, observation) => Math.max(max, observation.position), 0);
  const maxIterations = options.iterations ?? 200;
  const tolerance = options.tolerance ?? 1e-7;
  const minPropensity = options.minPropensity ?? 1e-3;
  if (!Number.isInteger(positions) || positions < 1) throw new InvalidOptionError(`positions must be a positive integer, got ${positions}`);

  const pairIndex = new Map<string, number>();
  const pairOf = new Int32Array(observations.length);
  observations.forEach((observation, index) => {
    const key = `${observation.query}\u0000${observation.item}`;
    let pair = pairIndex.get(key);
    if (pair === undefined) {
      pair = pairIndex.size;
      pairIndex.set(key, pair);
    }
    pairOf[index] = pair;
  });
  const theta = new Float64Array(positions).fill(0.5);
  const gamma = new Float64Array(pairIndex.size).fill(0.5);
  const logLikelihood: number[] = [];
  let iteration = 0;
  for (; iteration < maxIterations; iteration += 1) {
    const thetaNumerator = new Float64Array(positions);
    const thetaCount = new Float64Array(positions);
    const gammaNumerator = new Float64Array(gamma.length);
    const gammaCount = new Float64Array(gamma.length);
    let likelihood = 0;
    observations.forEach((observation, index) => {
      const position = Math.min(observation.position, positions - 1);
      const pair = pairOf[index] as number;
      const examine = theta[position] as number;
      const relevant = gamma[pair] as number;
      thetaCount[position] = (thetaCount[position] as number) + 1;
      gammaCount[pair] = (gammaCount[pair] as number) + 1;
      if (observation.clicked) {
        thetaNumerator[position] = (thetaNumerator[position] as number) + 1;
        gammaNumerator[pair] = (gammaNumerator[pair] as number) + 1;
        likelihood += Math.log(Math.max(examine * relevant, 1e-300));
      } else {
        const noClick = Math.max(1 - examine * relevant, 1e-300);
        thetaNumerator[position] = (thetaNumerator[position] as number) + (examine * (1 - relevant)) / noClick;
        gammaNumerator[pair] = (gammaNumerator[pair] as number) + ((1 - examine) * relevant) / noClick;
        likelihood += Math.log(noClick);
      }
    });
    logLikelihood.push(likelihood);
    let change = 0;
    for (let position = 0; position < positions; position += 1) {
      if ((thetaCount[position] as number) === 0) continue;
      const next = Math.min(1, Math.max(minPropensity, (thetaNumerator[position] as number) / (thetaCount[position] as number)));
      change = Math.max(change, Math.abs(next - (theta[position] as number)));
      theta[position] = next;
    }
    for (let pair = 0; pair < gamma.length; pair += 1) {
      gamma[pair] = Math.min(1, Math.max(1e-6, (gammaNumerator[pair] as number) / (gammaCount[pair] as number)));
    }
    if (change < tolerance) {
      iteration += 1;
      break;
    }
  }
  const pairKeys = [...pairIndex.keys()];
  const clickCounts = new Float64Array(gamma.length);
  const impressionCounts = new Float64Array(gamma.length);
  observations.forEach((observation, index) => {
    const pair = pairOf[index] as number;
    impressionCounts[pair] = (impressionCounts[pair] as number) + 1;
    if (observation.clicked) clickCounts[pair] = (clickCounts[pair] as number) + 1;
  });
  const pairs = pairKeys.map((key, pair) => {
    const [query, item] = key.split('\u0000') as [string, string];
    return { query, item, attractiveness: gamma[pair] as number, impressions: impressionCounts[pair] as number, clicks: clickCounts[pair] as number };
  });
  return { propensities: theta, pairs, iterations: iteration, logLikelihood };
}

/**
 * Propensities from result randomisation (Joachims et al., 2017; Wang et
 * al., 2016): when the logging policy shuffles the shown results uniformly,
 * relevance is independent of position, so the click-through rate at k is
 * proportional to θ_k. Returns CTR_k / CTR_0 × `firstPosition` (θ of the top
 * position, default 1, since randomisation identifies θ only up to scale).
 */
export function estimatePropensitiesFromRandomization(
  observations: readonly ClickObservation[],
  options: { positions?: number; firstPosition?: number; minPropensity?: number } = {},
): Float64Array {
  if (observations.length === 0) throw new EmptyInputError('no click observations to estimate propensities from');
  const positions = options.positions ?? 1 + observations.reduce((max, observation) => Math.max(max, observation.position), 0);
  const clicks = new Float64Array(positions);
  const shown = new Float64Array(positions);
  for (const observation of observations) {
    if (observation.position >= positions) continue;
    shown[observation.position] = (shown[observation.position] as number) + 1;
    if (observation.clicked) clicks[observation.position] = (clicks[observation.position] as number) + 1;
  }
  const topRate = (clicks[0] as number) / Math.max(1, shown[0] as number);
  if (!(topRate > 0)) throw new EmptyInputError('no clicks at the top position: cannot scale the propensities');
  const first = options.firstPosition ?? 1;
  const minPropensity = options.minPropensity ?? 1e-3;
  return Float64Array.from(clicks, (count, position) => Math.min(1, Math.max(minPropensity, (count / Math.max(1, shown[position] as number) / topRate) * first)));
}
