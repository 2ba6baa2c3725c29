import { type FineTuningFeatures, InvalidOptionError, smallDifferenceSteepness } from '@clicktune/core';

export interface MarginLossOptions {
  margin?: number;
  /** Adds the soft mean of |diff| over differences below the margin (CASES C6). */
  penalizeSmallDifferences?: boolean;
}

function sigmoid(value: number): number {
  return value >= 0 ? 1 / (1 + Math.exp(-value)) : Math.exp(value) / (1 + Math.exp(value));
}

function checkMargin(margin: number): number {
  if (!Number.isFinite(margin)) throw new InvalidOptionError(`margin must be a finite number, got ${margin}`, { location: { field: 'margin' } });
  return margin;
}

function marginLoss(features: FineTuningFeatures, options: MarginLossOptions, logit: (margin: number, signedDifference: number) => number): number {
  const margin = checkMargin(options.margin ?? 1);
  const count = features.length;
  if (count === 0) return 0; // ORIGINAL_BUGS E18: no pair → 0, never NaN.
  let sum = 0;
  for (let pair = 0; pair < count; pair += 1) {
    const difference = (features.positiveRanks[pair] as number) - (features.negativeRanks[pair] as number);
    const confidence = Math.min(features.positiveConfidences[pair] as number, features.negativeConfidences[pair] as number);
    sum += sigmoid(logit(margin, (features.target[pair] as number) * difference)) * confidence;
  }
  let loss = sum / count;
  if (options.penalizeSmallDifferences) {
    const steepness = smallDifferenceSteepness(margin);
    let weighted = 0;
    let weights = 0;
    for (let pair = 0; pair < count; pair += 1) {
      const absolute = Math.abs((features.positiveRanks[pair] as number) - (features.negativeRanks[pair] as number));
      const weight = sigmoid(steepness * (margin - absolute));
      weighted += absolute * weight;
      weights += weight;
    }
    loss += weighted / (weights + 1e-10);
  }
  return loss;
}

/**
 * mean( sigmoid(margin − target·(pos − neg)) · min(posConf, negConf) )
 * (+ the small-difference penalty when asked) — CASES C5, C6.
 */
export function probMarginRankingLoss(features: FineTuningFeatures, options: MarginLossOptions = {}): number {
  return marginLoss(features, options, (margin, signed) => margin - signed);
}

/** The same with the steep logit 400·(margin − target·diff) − 6, really applied (ORIGINAL_BUGS L1, CASES C7). */
export function cosineProbMarginRankingLoss(features: FineTuningFeatures, options: MarginLossOptions = {}): number {
  return marginLoss(features, options, (margin, signed) => 400 * (margin - signed) - 6);
}

/** Plain hinge: mean( max(0, margin − target·diff) · min(posConf, negConf) ). */
export function hingeMarginRankingLoss(features: FineTuningFeatures, options: { margin?: number } = {}): number {
  const margin = checkMargin(options.margin ?? 1);
  if (features.length === 0) return 0;
  let sum = 0;
  for (let pair = 0; pair < features.length; pair += 1) {
    const signed = (features.target[pair] as number) * ((features.positiveRanks[pair] as number) - (features.negativeRanks[pair] as number));
    sum += Math.max(0, margin - signed) * Math.min(features.positiveConfidences[pair] as number, features.negativeConfidences[pair] as number);
  }
  return sum / features.length;
}
