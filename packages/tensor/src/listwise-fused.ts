import { COSINE_EPS, type ItemsSet, type ListwisePlan } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LinearAdapter } from './models';
import { rowNorms } from './ops';

/**
 * The listwise term of a linear adapter with the cosine ranker, in closed
 * form: one custom op whose forward is a handful of matrix products
 * (rows · W, columns · W, rows · columnsᵀ) and whose backward is written out
 * instead of taped kernel by kernel. With K = ∂loss/∂cosine (the softmax
 * minus the positive, row-weighted, over the temperature), R the row
 * embeddings, C the column embeddings and ‖·‖ their norms, where
 * ‖r‖·‖c‖ > eps:
 *   ∂/∂R = (K·Ĉ − rowsum(K∘cos)∘R̂) / ‖R‖,   ∂/∂C = (Kᵀ·R̂ − colsum(K∘cos)∘Ĉ) / ‖C‖,
 * and where the product is at most eps (the cosine is dot / eps there)
 * ∂/∂R = K·C / eps, ∂/∂C = Kᵀ·R / eps; then ∂/∂W = Xᵀ·∂/∂(X·W) per tower
 * (summed for a shared adapter). Equal to `listwiseLoss`'s autograd to 1e-5
 * (the shared backend suite checks both).
 */
export function fusedListwiseLoss(model: LinearAdapter, batch: ListwisePlan, items: ItemsSet, temperature: number): tf.Scalar {
  const rowCount = batch.rowQuery.length;
  const columnCount = batch.columns.length;
  const positives = new Float32Array(rowCount * columnCount);
  batch.rowPositive.forEach((column, row) => {
    positives[row * columnCount + column] = 1;
  });
  const exclusion = new Float32Array(rowCount * columnCount);
  for (const index of batch.excluded) exclusion[index] = Number.NEGATIVE_INFINITY;
  const weightSum = batch.rowWeight.reduce((sum, weight) => sum + weight, 0);
  // Built in one tidy, so a refused input (an unknown query, a dimension mismatch) leaves no tensor behind.
  const constants = tf.tidy(() => ({
    rowBase: model.base.queryVectors(
      Array.from(batch.rowQuery, (query) => batch.queries[query] as ListwisePlan['queries'][number]),
      model.inputDimension,
    ),
    columnBase: model.baseItemRows(batch.columns, items),
    positives: tf.tensor2d(positives, [rowCount, columnCount]),
    exclusion: tf.tensor2d(exclusion, [rowCount, columnCount]),
    positiveIndices: tf.tensor1d(
      Int32Array.from(batch.rowPositive, (column, row) => row * columnCount + column),
      'int32',
    ),
    rowScale: tf.tensor2d(
      Float32Array.from(batch.rowWeight, (weight) => weight / weightSum),
      [rowCount, 1],
    ),
  }));
  const variables = model.trainableVariables();
  const queryIndex = model.queryWeights ? variables.indexOf(model.queryWeights) : -1;
  const itemIndex = model.itemWeights ? variables.indexOf(model.itemWeights) : -1;
  try {
    const loss = tf.customGrad(((...inputs: unknown[]) => {
      const save = inputs.pop() as (tensors: tf.Tensor[]) => void;
      const weights = inputs as tf.Tensor2D[];
      const rows = model.project(constants.rowBase, weights[queryIndex] ?? null);
      const columns = model.project(constants.columnBase, weights[itemIndex] ?? null);
      const rowNorm = tf.reshape(rowNorms(rows), [rowCount, 1]);
      const columnNorm = tf.reshape(rowNorms(columns), [columnCount, 1]);
      const normProducts = tf.matMul(rowNorm, tf.transpose(columnNorm));
      const cosines = tf.div(tf.matMul(rows, tf.transpose(columns)), tf.maximum(normProducts, COSINE_EPS));
      const logProbabilities = tf.logSoftmax(tf.add(tf.div(cosines, temperature), constants.exclusion));
      // Each row's positive picked by index (a one-hot product would meet −∞ · 0 = NaN at excluded columns).
      const picked = tf.gather(tf.reshape(logProbabilities, [rowCount * columnCount]), constants.positiveIndices);
      const value = tf.neg(tf.sum(tf.mul(picked, tf.reshape(constants.rowScale, [rowCount]))));
      // Everything the backward needs is saved (kept on the tape): the constants are disposed when this call returns.
      save([rows, columns, rowNorm, columnNorm, normProducts, cosines, logProbabilities, constants.rowBase, constants.columnBase, constants.positives, constants.rowScale]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedRows, savedColumns, savedRowNorm, savedColumnNorm, savedProducts, savedCosines, savedLog, rowBase, columnBase, positives, rowScale] = saved as tf.Tensor2D[];
          const r = savedRows as tf.Tensor2D;
          const c = savedColumns as tf.Tensor2D;
          const k = tf.mul(tf.mul(tf.sub(tf.exp(savedLog as tf.Tensor2D), positives as tf.Tensor2D), rowScale as tf.Tensor2D), tf.div(dy, temperature)) as tf.Tensor2D;
          const above = tf.cast(tf.greater(savedProducts as tf.Tensor2D, COSINE_EPS), 'float32');
          const kAbove = tf.mul(k, above) as tf.Tensor2D;
          const kBelow = tf.div(tf.sub(k, kAbove), COSINE_EPS) as tf.Tensor2D;
          // Zero vectors have no direction: their rows of kAbove are 0, so any finite divisor serves.
          const rowSafe = tf.maximum(savedRowNorm as tf.Tensor2D, 1e-30);
          const columnSafe = tf.maximum(savedColumnNorm as tf.Tensor2D, 1e-30);
          const rowUnit = tf.div(r, rowSafe) as tf.Tensor2D;
          const columnUnit = tf.div(c, columnSafe) as tf.Tensor2D;
          const weighted = tf.mul(kAbove, savedCosines as tf.Tensor2D);
          const rowGradient = tf.add(tf.div(tf.sub(tf.matMul(kAbove, columnUnit), tf.mul(tf.sum(weighted, 1, true), rowUnit)), rowSafe), tf.matMul(kBelow, c)) as tf.Tensor2D;
          const columnGradient = tf.add(
            tf.div(tf.sub(tf.matMul(tf.transpose(kAbove), rowUnit), tf.mul(tf.reshape(tf.sum(weighted, 0), [columnCount, 1]), columnUnit)), columnSafe),
            tf.matMul(tf.transpose(kBelow), r),
          ) as tf.Tensor2D;
          return weights.map((_, index) => {
            const fromRows = index === queryIndex ? tf.matMul(tf.transpose(rowBase as tf.Tensor2D), rowGradient) : null;
            const fromColumns = index === itemIndex ? tf.matMul(tf.transpose(columnBase as tf.Tensor2D), columnGradient) : null;
            return fromRows && fromColumns ? tf.add(fromRows, fromColumns) : ((fromRows ?? fromColumns) as tf.Tensor);
          });
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return loss(...variables) as tf.Scalar;
  } finally {
    tf.dispose(Object.values(constants));
  }
}
