import { type FineTuningInput, type ItemsSet, type ListwiseOptions, type ListwisePlan, listwiseSessions, planListwiseBatch, type SeededRandom } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import { fusedListwiseLoss } from './listwise-fused';
import { type EmbeddingModel, LinearAdapter } from './models';
import { gatherRows } from './ops';
import { rankMatrix } from './rankers';

/** A planned listwise batch (see `planListwiseBatch` in core). */
export type ListwiseBatch = ListwisePlan;

/**
 * Plans a listwise batch in core; the hard negatives need the current model,
 * so they are retrieved first (a no-grad top-k per clicked session's query).
 */
export async function buildListwiseBatch(
  sessions: readonly FineTuningInput[],
  items: ItemsSet,
  options: Required<ListwiseOptions>,
  random: SeededRandom,
  hardNegativesOf: (queries: FineTuningInput['query'][], exclude: Set<string>[]) => string[][] | Promise<string[][]>,
): Promise<ListwisePlan | null> {
  const relevant = listwiseSessions(sessions);
  if (relevant.length === 0) return null;
  const hard =
    options.hardNegatives > 0
      ? await hardNegativesOf(
          relevant.map((session) => session.query),
          relevant.map((session) => new Set(session.events)),
        )
      : [];
  return planListwiseBatch(relevant, items, options, random, hard);
}

/**
 * How the listwise term is differentiated: `fused` (a linear adapter's closed
 * form, see `fusedListwiseLoss`; the default) or `autograd` (kernel by
 * kernel, any model). Other models always take autograd.
 */
export type ListwiseImplementation = 'fused' | 'autograd';

/**
 * The weighted InfoNCE of a listwise batch under the model (differentiable).
 * `catalogue`: the model's embeddings of every catalogue row at its current
 * weights, when the caller has them (the fused term reads its columns from them).
 */
export function listwiseLoss(
  model: EmbeddingModel,
  batch: ListwisePlan,
  items: ItemsSet,
  temperature = batch.temperature,
  implementation: ListwiseImplementation = 'fused',
  catalogue?: tf.Tensor2D,
): tf.Scalar {
  if (implementation === 'fused' && model instanceof LinearAdapter) return fusedListwiseLoss(model, batch, items, temperature, catalogue);
  return tf.tidy(() => {
    const queryVectors = model.embedQueries(batch.queries);
    const candidateVectors = model.embedItems(batch.columns, items);
    const rows = gatherRows(queryVectors, batch.rowQuery);
    const rowCount = batch.rowQuery.length;
    const columnCount = batch.columns.length;
    const cosines = rankMatrix('cosine', rows, candidateVectors);
    const exclusion = new Float32Array(rowCount * columnCount);
    for (const index of batch.excluded) exclusion[index] = Number.NEGATIVE_INFINITY;
    const scores = tf.add(tf.div(cosines, temperature), tf.tensor2d(exclusion, [rowCount, columnCount]));
    // Pick each row's positive by index (a one-hot product would meet −∞ · 0 = NaN at excluded columns).
    const picked = gatherRows(
      tf.reshape(tf.logSoftmax(scores), [rowCount * columnCount]) as tf.Tensor1D,
      Int32Array.from(batch.rowPositive, (column, row) => row * columnCount + column),
    );
    const weights = tf.tensor1d(batch.rowWeight);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.sum(weights)) as tf.Scalar;
  });
}
