import { COSINE_EPS, DimensionMismatchError, type ItemsSet, type ListwisePlan } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LinearAdapter } from './models';
import { product, rowNorms } from './ops';

/**
 * The listwise term of a linear adapter with the cosine ranker, in closed
 * form: one custom op whose forward is a handful of matrix products
 * (rows · W, columns · W, rows · columnsᵀ) and whose backward is written out
 * instead of taped kernel by kernel. With K = ∂loss/∂cosine (the softmax
 * minus the positive, row-weighted, over the temperature), R the row
 * embeddings, C the column embeddings, P = ‖R‖·‖C‖ᵀ and S = K / max(P, eps):
 *   ∂/∂R = S·C − rowsum(K∘cos∘[P > eps]) ∘ R / ‖R‖²,
 *   ∂/∂C = Sᵀ·R − colsum(K∘cos∘[P > eps]) ∘ C / ‖C‖²
 * (at or below eps the cosine is dot / eps, with no norm term); then
 * ∂/∂W = Xᵀ·∂/∂(X·W) per tower (summed for a shared adapter). Equal to
 * `listwiseLoss`'s autograd to 1e-5 (the shared backend suite checks both).
 *
 * `catalogue`, when given, is the adapter's embedding of every catalogue row
 * at its current weights (a constant the caller computed anyway, e.g. for
 * hard negatives): the columns are read from it instead of projected again.
 */
export function fusedListwiseLoss(model: LinearAdapter, batch: ListwisePlan, items: ItemsSet, temperature: number, catalogue?: tf.Tensor2D): tf.Scalar {
  if (catalogue && (catalogue.shape[0] !== items.size || catalogue.shape[1] !== model.outputDimension))
    throw new DimensionMismatchError(`the catalogue's embeddings are ${catalogue.shape.join(' × ')}, expected ${items.size} × ${model.outputDimension}`);
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
    ...(catalogue ? { columnRows: tf.tensor1d(batch.columns, 'int32') } : {}),
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
      const columns = catalogue ? (tf.gather(catalogue, constants.columnRows as tf.Tensor1D) as tf.Tensor2D) : model.project(constants.columnBase, weights[itemIndex] ?? null);
      const rowNorm = tf.reshape(rowNorms(rows), [rowCount, 1]) as tf.Tensor2D;
      const columnNorm = tf.reshape(rowNorms(columns), [columnCount, 1]) as tf.Tensor2D;
      const normProducts = product(rowNorm, columnNorm, false, true);
      const cosines = tf.div(product(rows, columns, false, true), tf.maximum(normProducts, COSINE_EPS));
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
          // K / max(‖r‖·‖c‖, eps) carries both regimes in one product each way (K·Ĉ/‖R‖ above eps, K·C/eps at or below).
          const scaled = tf.div(k, tf.maximum(savedProducts as tf.Tensor2D, COSINE_EPS)) as tf.Tensor2D;
          // The norm terms live only above eps; a zero vector's row of them is 0, so any finite divisor serves.
          const weighted = tf.mul(tf.mul(k, tf.cast(tf.greater(savedProducts as tf.Tensor2D, COSINE_EPS), 'float32')), savedCosines as tf.Tensor2D);
          const rowSquares = tf.maximum(tf.square(savedRowNorm as tf.Tensor2D), 1e-30);
          const columnSquares = tf.maximum(tf.square(savedColumnNorm as tf.Tensor2D), 1e-30);
          const rowGradient = tf.sub(product(scaled, c), tf.mul(tf.div(tf.sum(weighted, 1, true), rowSquares), r)) as tf.Tensor2D;
          const columnGradient = tf.sub(product(scaled, r, true, false), tf.mul(tf.div(tf.reshape(tf.sum(weighted, 0), [columnCount, 1]), columnSquares), c)) as tf.Tensor2D;
          return weights.map((_, index) => {
            const fromRows = index === queryIndex ? product(rowBase as tf.Tensor2D, rowGradient, true, false) : null;
            const fromColumns = index === itemIndex ? product(columnBase as tf.Tensor2D, columnGradient, true, false) : null;
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
