import { InvalidOptionError, smallDifferenceSteepness } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorFeatures } from './features';

/** A loss over tensor features: a scalar that is 0 (never NaN) when no pair is kept (ORIGINAL_BUGS E18). */
export interface FeaturesLoss {
  readonly name: string;
  compute(features: TensorFeatures): tf.Scalar;
  /** When the loss is mean( sigmoid(scale·(margin − target·diff) + offset) · min(posConf, negConf) ): its constants, for the fused pairwise step. */
  readonly sigmoidMargin?: SigmoidMarginForm;
}

/** The constants of a sigmoid margin loss: sigmoid(scale·(margin − target·diff) + offset). */
export interface SigmoidMarginForm {
  readonly margin: number;
  readonly scale: number;
  readonly offset: number;
}

/** The logit of a sigmoid margin loss, scale·(margin − signed) + offset, for signed = target·diff. */
export function sigmoidMarginLogit(form: SigmoidMarginForm, signed: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(form.scale, tf.sub(form.margin, signed)), form.offset);
}

export interface MarginLossOptions {
  margin?: number;
  penalizeSmallDifferences?: boolean;
}

function checkMargin(margin: number): number {
  if (!Number.isFinite(margin)) throw new InvalidOptionError(`margin must be a finite number, got ${margin}`, { location: { field: 'margin' } });
  return margin;
}

/** Σ(values·mask) / max(Σmask, 1): the mean over kept pairs, 0 when none is kept. */
function maskedMean(values: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(values, mask)), tf.maximum(tf.sum(mask), 1));
}

function pairWeights(features: TensorFeatures): tf.Tensor1D {
  return tf.minimum(features.positiveConfidences, features.negativeConfidences);
}

function marginLoss(name: string, options: MarginLossOptions, form: { scale: number; offset: number }): FeaturesLoss {
  const margin = checkMargin(options.margin ?? 1);
  const sigmoidMargin: SigmoidMarginForm = { margin, ...form };
  return {
    name,
    // The small-difference penalty has no closed form here: such a loss is always taped.
    ...(options.penalizeSmallDifferences ? {} : { sigmoidMargin }),
    compute: (features) =>
      tf.tidy(() => {
        if (features.positiveRanks.size === 0) return tf.scalar(0);
        const difference = tf.sub(features.positiveRanks, features.negativeRanks);
        const signed = tf.mul(features.target, difference) as tf.Tensor1D;
        let loss = maskedMean(tf.mul(tf.sigmoid(sigmoidMarginLogit(sigmoidMargin, signed)), pairWeights(features)) as tf.Tensor1D, features.mask);
        if (options.penalizeSmallDifferences) {
          const absolute = tf.abs(difference);
          const weights = tf.mul(tf.sigmoid(tf.mul(smallDifferenceSteepness(margin), tf.sub(margin, absolute))), features.mask);
          loss = tf.add(loss, tf.div(tf.sum(tf.mul(absolute, weights)), tf.add(tf.sum(weights), 1e-10)));
        }
        return loss as tf.Scalar;
      }),
  };
}

/** mean( sigmoid(margin − target·diff) · min(posConf, negConf) ) (+ small-difference penalty) — CASES C5, C6. */
export function probMarginRankingLoss(options: MarginLossOptions = {}): FeaturesLoss {
  return marginLoss('probMargin', options, { scale: 1, offset: 0 });
}

/** The steep-logit variant, 400·(margin − target·diff) − 6, really applied (ORIGINAL_BUGS L1, CASES C7). */
export function cosineProbMarginRankingLoss(options: MarginLossOptions = {}): FeaturesLoss {
  return marginLoss('cosineProbMargin', options, { scale: 400, offset: -6 });
}

/** Hinge: mean( max(0, margin − target·diff) · min(posConf, negConf) ). */
export function hingeMarginRankingLoss(options: { margin?: number } = {}): FeaturesLoss {
  const margin = checkMargin(options.margin ?? 1);
  return {
    name: 'hinge',
    compute: (features) =>
      tf.tidy(() => {
        if (features.positiveRanks.size === 0) return tf.scalar(0);
        const signed = tf.mul(features.target, tf.sub(features.positiveRanks, features.negativeRanks));
        return maskedMean(tf.mul(tf.relu(tf.sub(margin, signed)), pairWeights(features)) as tf.Tensor1D, features.mask);
      }),
  };
}

export type LossOption =
  | { kind: 'probMargin'; margin?: number; penalizeSmallDifferences?: boolean }
  | { kind: 'cosineProbMargin'; margin?: number; penalizeSmallDifferences?: boolean }
  | { kind: 'hinge'; margin?: number }
  | FeaturesLoss;

export function resolveLoss(option: LossOption = { kind: 'probMargin' }): FeaturesLoss {
  if ('compute' in option) return option;
  if (option.kind === 'probMargin') return probMarginRankingLoss(option);
  if (option.kind === 'cosineProbMargin') return cosineProbMarginRankingLoss(option);
  if (option.kind === 'hinge') return hingeMarginRankingLoss(option);
  throw new InvalidOptionError(`unknown loss ${JSON.stringify((option as { kind: unknown }).kind)}: use "probMargin", "cosineProbMargin" or "hinge"`, {
    location: { field: 'loss' },
  });
}
