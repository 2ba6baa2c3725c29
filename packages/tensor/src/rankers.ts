import { COSINE_EPS, type RankerKind } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import { matMul, product, rowNorms } from './ops';

/** The one cosine rule, as core's `resolveRanker('cosine')` and torch's cosine_similarity: dot / max(‖a‖·‖b‖, eps). */
function cosineOf(dots: tf.Tensor, normProducts: tf.Tensor): tf.Tensor {
  return tf.div(dots, tf.maximum(normProducts, COSINE_EPS));
}

/** Row-wise rank of `a[i]` against `b[i]` (DESIGN.md step 5), shape [n]; differentiable. */
export function rankRows(kind: RankerKind, a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  switch (kind) {
    case 'cosine':
      return cosineOf(tf.sum(tf.mul(a, b), 1), tf.mul(rowNorms(a), rowNorms(b))) as tf.Tensor1D;
    case 'dot':
      return tf.sum(tf.mul(a, b), 1);
    case 'negativeEuclidean':
      return tf.neg(rowNorms(tf.sub(a, b)));
    case 'euclidean':
      return rowNorms(tf.sub(a, b));
  }
}

/**
 * Every row of `a` against every row of `b`, shape [a rows, b rows]
 * (re-ranking, listwise and in-batch scores); differentiable. `constant` names
 * an operand that needs no gradient (a frozen tower), as in `matMul`.
 */
export function rankMatrix(kind: RankerKind, a: tf.Tensor2D, b: tf.Tensor2D, constant: 'a' | 'b' | 'none' = 'none'): tf.Tensor2D {
  switch (kind) {
    case 'cosine':
      return cosineOf(matMul(a, b, constant, true), tf.mul(tf.expandDims(rowNorms(a), 1), tf.expandDims(rowNorms(b), 0))) as tf.Tensor2D;
    case 'dot':
      return matMul(a, b, constant, true);
    case 'negativeEuclidean':
    case 'euclidean': {
      const squared = tf.add(tf.sub(tf.expandDims(tf.sum(tf.square(a), 1), 1), tf.mul(2, product(a, b, false, true))), tf.expandDims(tf.sum(tf.square(b), 1), 0));
      const distance = tf.sqrt(tf.relu(squared));
      return (kind === 'euclidean' ? distance : tf.neg(distance)) as tf.Tensor2D;
    }
  }
}
