import type { RankerKind } from '@clicktune/reference';
import { COSINE_EPS } from '@clicktune/reference';
import * as tf from '@tensorflow/tfjs-core';
import { rowNorms } from './ops';

/** Row-wise rank of `a[i]` against `b[i]` (DESIGN.md step 5), shape [n]; differentiable. */
export function rankRows(kind: RankerKind, a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  switch (kind) {
    case 'cosine':
      // dot / max(‖a‖·‖b‖, eps), as torch's cosine_similarity and the reference.
      return tf.div(tf.sum(tf.mul(a, b), 1), tf.maximum(tf.mul(rowNorms(a), rowNorms(b)), COSINE_EPS));
    case 'dot':
      return tf.sum(tf.mul(a, b), 1);
    case 'negativeEuclidean':
      return tf.neg(rowNorms(tf.sub(a, b)));
    case 'euclidean':
      return rowNorms(tf.sub(a, b));
  }
}

/** Every query row against every item row, shape [queries, items] (for re-ranking and in-batch losses). */
export function rankMatrix(kind: RankerKind, queries: tf.Tensor2D, items: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'cosine': {
      const q = tf.div(queries, tf.maximum(tf.expandDims(rowNorms(queries), 1), Math.sqrt(COSINE_EPS)));
      const i = tf.div(items, tf.maximum(tf.expandDims(rowNorms(items), 1), Math.sqrt(COSINE_EPS)));
      return tf.matMul(q, i, false, true);
    }
    case 'dot':
      return tf.matMul(queries, items, false, true);
    case 'negativeEuclidean':
    case 'euclidean': {
      const squared = tf.add(
        tf.sub(tf.expandDims(tf.sum(tf.square(queries), 1), 1), tf.mul(2, tf.matMul(queries, items, false, true))),
        tf.expandDims(tf.sum(tf.square(items), 1), 0),
      );
      const distance = tf.sqrt(tf.relu(squared));
      return (kind === 'euclidean' ? distance : tf.neg(distance)) as tf.Tensor2D;
    }
  }
}
