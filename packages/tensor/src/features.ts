import { FineTuningFeatures } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Pair-aligned features as tensors. Ranks carry gradients; confidences,
 * target and the filter mask do not. The step-7 filter is a 0/1 `mask`
 * rather than a gather, so a training step needs no read-back and keeps a
 * fixed shape; `toFeatures()` materialises the kept pairs.
 */
export interface TensorFeatures {
  readonly positiveRanks: tf.Tensor1D;
  readonly negativeRanks: tf.Tensor1D;
  readonly positiveConfidences: tf.Tensor1D;
  readonly negativeConfidences: tf.Tensor1D;
  readonly target: tf.Tensor1D;
  /** 1 for a pair kept by `min < |pos − neg| < max`, else 0. */
  readonly mask: tf.Tensor1D;
  readonly sessionIndex: Int32Array;
  readonly positiveObjectIds: readonly string[];
  readonly negativeObjectIds: readonly string[];
}

export function disposeTensorFeatures(features: TensorFeatures): void {
  tf.dispose([features.positiveRanks, features.negativeRanks, features.positiveConfidences, features.negativeConfidences, features.target, features.mask]);
}

/** Every planned pair (before the filter) as plain arrays, with the filter's verdict per pair. */
export async function toAllFeatures(features: TensorFeatures): Promise<{ all: FineTuningFeatures; kept: boolean[] }> {
  const [positiveRanks, negativeRanks, positiveConfidences, negativeConfidences, target, mask] = (await Promise.all([
    features.positiveRanks.data(),
    features.negativeRanks.data(),
    features.positiveConfidences.data(),
    features.negativeConfidences.data(),
    features.target.data(),
    features.mask.data(),
  ])) as Float32Array[];
  const all = new FineTuningFeatures({
    positiveRanks: positiveRanks as Float32Array,
    negativeRanks: negativeRanks as Float32Array,
    positiveConfidences: positiveConfidences as Float32Array,
    negativeConfidences: negativeConfidences as Float32Array,
    target: target as Float32Array,
    sessionIndex: features.sessionIndex,
    positiveObjectIds: features.positiveObjectIds,
    negativeObjectIds: features.negativeObjectIds,
  });
  return { all, kept: Array.from(mask as Float32Array, (value) => value > 0) };
}

/** The kept pairs as plain typed arrays (reads the tensors back). */
export async function toFeatures(features: TensorFeatures): Promise<FineTuningFeatures> {
  const { all, kept } = await toAllFeatures(features);
  return all.select(kept.flatMap((isKept, index) => (isKept ? [index] : [])));
}
