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
 * a·b, aᵀ·b or a·bᵀ, in whichever form the active backend runs fastest.
 * tfjs's wasm backend runs a product with a transposed operand many times
 * slower than a transpose followed by a plain product (measured: Xᵀ·G for
 * two 1662×384 matrices 334 vs 28 ms, a 64×384 by (1662×384)ᵀ 60 vs 11 ms);
 * node (TensorFlow) and cpu run the flags faster than a separate transpose
 * (node, the same shapes: 4.4 vs 7.3 ms and 1.5 vs 2.5 ms).
 */
export function product(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/**
 * a·b (a·bᵀ with `transposeB`), differentiable, with its gradient written
 * through `product` (tfjs's own MatMul gradient multiplies with transpose
 * flags, the wasm backend's slow form). `constant` names an operand known to
 * need no gradient (a frozen tower, the base embeddings), whose product is
 * then skipped.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, constant: 'a' | 'b' | 'none' = 'none', transposeB = false): tf.Tensor2D {
  // With b = bᵀ stored: ∂a = dy·b (dy·bᵀ for a plain b), ∂b = dyᵀ·a (aᵀ·dy for a plain b).
  const gradientOfA = (dy: tf.Tensor2D, right: tf.Tensor2D) => product(dy, right, false, !transposeB);
  const gradientOfB = (dy: tf.Tensor2D, left: tf.Tensor2D) => (transposeB ? product(dy, left, true, false) : product(left, dy, true, false));
  const value = (left: tf.Tensor2D, right: tf.Tensor2D) => product(left, right, false, transposeB);
  // One operand constant: the product is differentiated for the other one only.
  const withConstant = (
    variable: tf.Tensor2D,
    fixed: tf.Tensor2D,
    forward: (input: tf.Tensor2D) => tf.Tensor2D,
    backward: (dy: tf.Tensor2D, saved: tf.Tensor2D) => tf.Tensor2D,
  ) => {
    const times = tf.customGrad(((input: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
      save([fixed]);
      return { value: forward(input), gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [backward(dy, saved[0] as tf.Tensor2D)] };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return times(variable) as tf.Tensor2D;
  };
  if (constant === 'a') return withConstant(b, a, (right) => value(a, right), gradientOfB);
  if (constant === 'b') return withConstant(a, b, (left) => value(left, b), gradientOfA);
  const times = tf.customGrad(((left: tf.Tensor2D, right: tf.Tensor2D, save: (tensors: tf.Tensor[]) => void) => {
    save([left, right]);
    return {
      value: value(left, right),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [gradientOfA(dy, saved[1] as tf.Tensor2D), gradientOfB(dy, saved[0] as tf.Tensor2D)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return times(a, b) as tf.Tensor2D;
}

/**
 * x·W for a constant x (frozen base embeddings): the gradient is computed for
 * W only (xᵀ·dy), sparing the product for x that nobody needs.
 */
export function constantTimes(x: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
  return matMul(x, weights, 'a');
}
