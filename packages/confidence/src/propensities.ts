import { EmptyInputError, type FineTuningInput, InvalidOptionError, queryKeyOf } from '@clicktune/core';
import { ClickCounts } from './click-counts';

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
 * or exploration); estimates are clipped into [minPropensity, 1]. It runs
 * on (query, item, position) counts — `ClickCounts`, or observations
 * aggregated into them — so its cost per iteration grows with the distinct
 * cells, not with the sessions.
 */
export function estimatePropensitiesEm(
  input: readonly ClickObservation[] | ClickCounts,
  options: { positions?: number; iterations?: number; tolerance?: number; minPropensity?: number } = {},
): PropensityEstimate {
  const columns = (input instanceof ClickCounts ? input : ClickCounts.fromObservations(input)).columns();
  const { cellPairs, cellPositions, impressions, clicks } = columns;
  const cells = cellPairs.length;
  if (cells === 0) throw new EmptyInputError('no click observations to estimate propensities from');
  const positions = options.positions ?? 1 + cellPositions.reduce((max, position) => Math.max(max, position), 0);
  const maxIterations = options.iterations ?? 200;
  const tolerance = options.tolerance ?? 1e-7;
  const minPropensity = options.minPropensity ?? 1e-3;
  if (!Number.isInteger(positions) || positions < 1) throw new InvalidOptionError(`positions must be a positive integer, got ${positions}`);

  const pairCount = columns.pairItems.length;
  const theta = new Float64Array(positions).fill(0.5);
  const gamma = new Float64Array(pairCount).fill(0.5);
  // Impressions per position and per pair do not change between iterations.
  const thetaCount = new Float64Array(positions);
  const gammaCount = new Float64Array(pairCount);
  const pairClicks = new Float64Array(pairCount);
  for (let cell = 0; cell < cells; cell += 1) {
    const position = Math.min(cellPositions[cell] as number, positions - 1);
    const pair = cellPairs[cell] as number;
    thetaCount[position] = (thetaCount[position] as number) + (impressions[cell] as number);
    gammaCount[pair] = (gammaCount[pair] as number) + (impressions[cell] as number);
    pairClicks[pair] = (pairClicks[pair] as number) + (clicks[cell] as number);
  }
  const logLikelihood: number[] = [];
  let iteration = 0;
  for (; iteration < maxIterations; iteration += 1) {
    const thetaNumerator = new Float64Array(positions);
    const gammaNumerator = new Float64Array(pairCount);
    let likelihood = 0;
    // Each cell stands for its impressions: its clicks count whole, its non-clicks are split as one observation's would be, times their number.
    for (let cell = 0; cell < cells; cell += 1) {
      const position = Math.min(cellPositions[cell] as number, positions - 1);
      const pair = cellPairs[cell] as number;
      const examine = theta[position] as number;
      const relevant = gamma[pair] as number;
      const clicked = clicks[cell] as number;
      const skipped = (impressions[cell] as number) - clicked;
      const noClick = Math.max(1 - examine * relevant, 1e-300);
      thetaNumerator[position] = (thetaNumerator[position] as number) + clicked + (skipped * (examine * (1 - relevant))) / noClick;
      gammaNumerator[pair] = (gammaNumerator[pair] as number) + clicked + (skipped * ((1 - examine) * relevant)) / noClick;
      if (clicked > 0) likelihood += clicked * Math.log(Math.max(examine * relevant, 1e-300));
      if (skipped > 0) likelihood += skipped * Math.log(noClick);
    }
    logLikelihood.push(likelihood);
    let change = 0;
    for (let position = 0; position < positions; position += 1) {
      if ((thetaCount[position] as number) === 0) continue;
      const next = Math.min(1, Math.max(minPropensity, (thetaNumerator[position] as number) / (thetaCount[position] as number)));
      change = Math.max(change, Math.abs(next - (theta[position] as number)));
      theta[position] = next;
    }
    for (let pair = 0; pair < pairCount; pair += 1) {
      gamma[pair] = Math.min(1, Math.max(1e-6, (gammaNumerator[pair] as number) / (gammaCount[pair] as number)));
    }
    if (change < tolerance) {
      iteration += 1;
      break;
    }
  }
  const pairs = columns.pairItems.map((item, pair) => ({
    query: columns.pairQueries[pair] as string,
    item,
    attractiveness: gamma[pair] as number,
    impressions: gammaCount[pair] as number,
    clicks: pairClicks[pair] as number,
  }));
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
