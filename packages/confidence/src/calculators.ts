import { DEFAULT_EXAMINATION_PROPENSITIES, examinationAt, InvalidOptionError, validatePropensities } from '@clicktune/core';

/**
 * A confidence calculator: objects of one session in display order, their
 * search scores and 0/1 (or aggregated) clicks → one confidence per object.
 */
export interface ConfidenceCalculator {
  readonly name: string;
  calculate(objectRanks: Float32Array, clicks: ArrayLike<number>): Float32Array;
}

function checkLengths(objectRanks: Float32Array, clicks: ArrayLike<number>): void {
  if (objectRanks.length !== clicks.length) {
    throw new InvalidOptionError(`ranks and clicks must have the same length, got ${objectRanks.length} and ${clicks.length}`);
  }
}

/** Every object gets confidence 1. */
export function dummyConfidences(): ConfidenceCalculator {
  return {
    name: 'dummy',
    calculate(objectRanks, clicks) {
      checkLengths(objectRanks, clicks);
      return new Float32Array(objectRanks.length).fill(1);
    },
  };
}

/**
 * EmbeddingStudio's `calculate_confidences`, exactly (CASES C1–C4). For
 * position i: the window [i − ⌊w/2⌋, i + ⌊w/2⌋] clipped to the list; its
 * average rank (+1e-9) and click proportion p; rank similarity
 * s = |r_i − avg| / avg; clicked: (1 − s)·p + (1 − p)·s, not clicked:
 * (1 − p)(1 − s) + p·s; times the position score exp(−3(i+1)/n − 0.3) + 0.25;
 * then min–max normalised over the list (+1e-9 in the denominator).
 */
export function slidingWindowConfidences(options: { window?: number } = {}): ConfidenceCalculator {
  const window = options.window ?? 3;
  if (!Number.isInteger(window) || window <= 1) {
    throw new InvalidOptionError(`window must be an integer > 1, got ${window}`, { location: { field: 'window' } });
  }
  const half = Math.floor(window / 2);
  return {
    name: `slidingWindow(${window})`,
    calculate(objectRanks, clicks) {
      checkLengths(objectRanks, clicks);
      const count = objectRanks.length;
      const raw = new Float64Array(count);
      for (let index = 0; index < count; index += 1) {
        const start = Math.max(0, index - half);
        const end = Math.min(count - 1, index + half);
        let rankSum = 0;
        let clickSum = 0;
        for (let other = start; other <= end; other += 1) {
          rankSum += objectRanks[other] as number;
          clickSum += (clicks[other] as number) > 0 ? 1 : 0;
        }
        const size = end - start + 1;
        const average = rankSum / size + 1e-9;
        const proportion = clickSum / size;
        const similarity = Math.abs((objectRanks[index] as number) - average) / average;
        const value = (clicks[index] as number) > 0 ? (1 - similarity) * proportion + (1 - proportion) * similarity : (1 - proportion) * (1 - similarity) + proportion * similarity;
        raw[index] = value * (Math.exp((-3 * (index + 1)) / count - 0.3) + 0.25);
      }
      return minMaxNormalize(raw);
    },
  };
}

/** (x − min) / (max − min + 1e-9), as the original does. */
export function minMaxNormalize(values: Float64Array | Float32Array): Float32Array {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return Float32Array.from(values, (value) => (value - min) / (max - min + 1e-9));
}

/**
 * Position-bias-aware confidences from a position-based click model
 * (Richardson et al., 2007; Joachims et al., 2017: "Unbiased learning-to-rank
 * with biased feedback"). With θ_k the probability that position k is
 * examined:
 * - a click at k is evidence of relevance that the biased log under-samples
 *   by θ_k, so it is weighted by the inverse propensity 1/θ_k, clipped at
 *   `maxWeight` (Strehl et al., 2010; clipping bounds the variance), and
 *   scaled into (0, 1] by dividing by `maxWeight`:
 *   conf = min(1/θ_k, maxWeight) / maxWeight;
 * - a skip at k is evidence of non-relevance only if k was examined: its
 *   confidence is the examination probability, conf = θ_k.
 * Positions beyond the propensities given use the last one.
 */
export function positionBiasConfidences(options: { propensities?: ArrayLike<number>; maxWeight?: number } = {}): ConfidenceCalculator {
  const propensities = validatePropensities(options.propensities ?? DEFAULT_EXAMINATION_PROPENSITIES);
  const maxWeight = options.maxWeight ?? 10;
  if (!(maxWeight >= 1) || !Number.isFinite(maxWeight)) {
    throw new InvalidOptionError(`maxWeight must be a finite number ≥ 1, got ${maxWeight}`, { location: { field: 'maxWeight' } });
  }
  return {
    name: 'positionBias',
    calculate(objectRanks, clicks) {
      checkLengths(objectRanks, clicks);
      return Float32Array.from({ length: objectRanks.length }, (_, position) => {
        const theta = examinationAt(propensities, position);
        return (clicks[position] as number) > 0 ? Math.min(1 / theta, maxWeight) / maxWeight : theta;
      });
    },
  };
}

export type ConfidenceCalculatorOption =
  | 'dummy'
  | 'slidingWindow'
  | 'positionBias'
  | { kind: 'slidingWindow'; window?: number }
  | { kind: 'positionBias'; propensities?: ArrayLike<number>; maxWeight?: number }
  | ConfidenceCalculator;

/** Resolves a calculator by name (or `{ kind, …options }`); unknown names are an error. */
export function resolveConfidenceCalculator(option: ConfidenceCalculatorOption = 'dummy'): ConfidenceCalculator {
  if (typeof option === 'object' && 'calculate' in option) return option;
  const kind = typeof option === 'string' ? option : option.kind;
  if (kind === 'dummy') return dummyConfidences();
  if (kind === 'slidingWindow') return slidingWindowConfidences(typeof option === 'object' ? (option as { window?: number }) : {});
  if (kind === 'positionBias') {
    return positionBiasConfidences(typeof option === 'object' ? (option as { propensities?: ArrayLike<number>; maxWeight?: number }) : {});
  }
  throw new InvalidOptionError(`unknown confidence calculator ${JSON.stringify(kind)}: use "dummy", "slidingWindow" or "positionBias"`, {
    location: { field: 'confidenceCalculator' },
  });
}
