import * as tf from '@tensorflow/tfjs-core';

/**
 * Rows of `x` at `indices`, differentiable on every backend. tfjs's own
 * gather gradient needs the UnsortedSegmentSum kernel, which the wasm
 * backend lacks; scatterND (which sums duplicate indices) is everywhere.
 */
export function gatherRows<T extends tf.Tensor>(x: T, indices: Int32Array): T {
  const indexTensor = tf.tensor1d(indices, 'int32');
  const gather = tf.customGrad(((input: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    // Saved through the tape, so the indices outlive the forward pass's tidy scope.
    save([tf.reshape(indexTensor, [indices.length, 1])]);
    return {
      value: tf.gather(input, indexTensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0] as tf.Tensor, dy, input.shape),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return gather(x) as T;
}

/**
 * Row-wise L2 norms of a matrix, shape [n]. Its gradient x / ‖x‖ is taken as
 * 0 at a zero row (a subgradient): sqrt's own gradient there is ∞ · 0 = NaN,
 * which a zero vector in a catalogue would spread through every cosine.
 */
export function rowNorms(x: tf.Tensor2D): tf.Tensor1D {
  const norms = tf.customGrad(((input: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
    const value = tf.sqrt(tf.sum(tf.square(input), 1));
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [rows, norm] = saved as [tf.Tensor2D, tf.Tensor1D];
        const scale = tf.div(dy, tf.maximum(norm, 1e-30));
        return tf.mul(rows, tf.expandDims(scale, 1));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return norms(x) as tf.Tensor1D;
}

/**
 * DESIGN.md step 7 as a 0/1 mask: 1 where `min < |a − b| < max`. The filter
 * is not differentiable (comparisons have no gradient), so it is one custom
 * op whose gradient is zero, and the tape never sees the comparisons.
 */
export function differenceMask(a: tf.Tensor1D, b: tf.Tensor1D, minAbsDifference: number, maxAbsDifference: number): tf.Tensor1D {
  const mask = tf.customGrad(((x: tf.Tensor, y: tf.Tensor) => {
    const difference = tf.abs(tf.sub(x, y));
    return {
      value: tf.cast(tf.logicalAnd(tf.greater(difference, minAbsDifference), tf.less(difference, maxAbsDifference)), 'float32'),
      gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy), tf.zerosLike(dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return mask(a, b) as tf.Tensor1D;
}

/**
 * a·b with a gradient that transposes explicitly: tfjs's own MatMul gradient
 * multiplies with transposeA/transposeB, which the wasm backend runs about
 * 12× slower than a plain product after a transpose (measured: 1.3 vs 16
 * GMAC/s for 1280×384·384×384). `constant` names an operand known to need
 * no gradient (a frozen tower), whose product is then skipped.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, constant: 'a' | 'b' | 'none' = 'none'): tf.Tensor2D {
  if (constant === 'a') return constantTimes(a, b);
  if (constant === 'b') return tf.transpose(constantTimes(tf.transpose(b), tf.transpose(a))) as tf.Tensor2D;
  const product = tf.customGrad(((left: tf.Tensor2D, right: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
    save([left, right]);
    return {
      value: tf.matMul(left, right),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(saved[1] as tf.Tensor2D)), tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return product(a, b) as tf.Tensor2D;
}

/**
 * x·W for a constant x (frozen base embeddings): the gradient is computed for
 * W only (xᵀ·dy), sparing the product for x that nobody needs.
 */
export function constantTimes(x: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad(((right: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
    const transposed = tf.transpose(x);
    save([transposed]);
    return {
      value: tf.matMul(x, right),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul(saved[0] as tf.Tensor2D, dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return product(weights) as tf.Tensor2D;
}
