import { type FineTuningInput, InvalidOptionError, type ItemsSet, type SeededRandom } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { EmbeddingModel } from './models';
import { gatherRows, matMul, rowNorms } from './ops';

/**
 * A listwise term over clicks with negatives beyond the logged list: for
 * every click, the clicked item must outscore (softmax over cosine / τ) every
 * item shown in the batch, `catalogueNegatives` items drawn from the whole
 * catalogue, and `hardNegatives` items the current model ranks highest for
 * that query (not clicked in the session). Clicks are weighted by inverse
 * logging propensity (clipped), so clicks on explored results count for what
 * they reveal. Without such negatives the pairwise loss on logged lists can
 * fall while everything outside the lists drifts (the collapse issue 8 saw).
 */
export interface ListwiseOptions {
  weight: number;
  temperature?: number;
  catalogueNegatives?: number;
  hardNegatives?: number;
  /** Clip of the inverse-propensity weight of a click (default 10). */
  propensityClip?: number;
}

export interface ListwiseBatch {
  readonly queries: FineTuningInput['query'][];
  /** Per row (one per click): its query, its positive column, its weight. */
  readonly rowQuery: Int32Array;
  readonly rowPositive: Int32Array;
  readonly rowWeight: Float32Array;
  /** Catalogue rows of the candidate columns. */
  readonly columns: Int32Array;
  /** rows × columns: 0 where the column is a candidate for the row, −∞ where it is excluded (another click of the same session). */
  readonly exclusion: Float32Array;
}

export function validateListwise(options: ListwiseOptions): Required<ListwiseOptions> {
  const resolved = {
    weight: options.weight,
    temperature: options.temperature ?? 0.05,
    catalogueNegatives: options.catalogueNegatives ?? 64,
    hardNegatives: options.hardNegatives ?? 5,
    propensityClip: options.propensityClip ?? 10,
  };
  if (!(resolved.weight >= 0)) throw new InvalidOptionError(`listwise weight must be ≥ 0, got ${resolved.weight}`, { location: { field: 'listwise.weight' } });
  if (!(resolved.temperature > 0)) throw new InvalidOptionError(`temperature must be > 0, got ${resolved.temperature}`, { location: { field: 'listwise.temperature' } });
  for (const field of ['catalogueNegatives', 'hardNegatives'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 0) throw new InvalidOptionError(`${field} must be a whole number ≥ 0`, { location: { field: `listwise.${field}` } });
  }
  if (!(resolved.propensityClip >= 1)) throw new InvalidOptionError(`propensityClip must be ≥ 1, got ${resolved.propensityClip}`, { location: { field: 'listwise.propensityClip' } });
  return resolved;
}

/** Builds the rows and candidate columns of a batch (hard negatives need the current model: a no-grad top-k). */
export async function buildListwiseBatch(
  sessions: readonly FineTuningInput[],
  items: ItemsSet,
  options: Required<ListwiseOptions>,
  random: SeededRandom,
  hardNegativesOf: (queries: FineTuningInput['query'][], exclude: Set<string>[]) => string[][] | Promise<string[][]>,
): Promise<ListwiseBatch | null> {
  const relevant = sessions.filter((session) => session.events.length > 0);
  if (relevant.length === 0) return null;
  const columnOf = new Map<number, number>();
  const columns: number[] = [];
  const addColumn = (row: number) => {
    let column = columnOf.get(row);
    if (column === undefined) {
      column = columns.length;
      columnOf.set(row, column);
      columns.push(row);
    }
    return column;
  };
  for (const session of relevant) for (const id of session.results) addColumn(items.rowOf(id));
  for (let index = 0; index < options.catalogueNegatives; index += 1) addColumn(random.nextInt(items.size));
  const hard = options.hardNegatives > 0 ? await hardNegativesOf(relevant.map((session) => session.query), relevant.map((session) => new Set(session.events))) : [];
  hard.forEach((ids) => {
    for (const id of ids.slice(0, options.hardNegatives)) addColumn(items.rowOf(id));
  });
  const rowQuery: number[] = [];
  const rowPositive: number[] = [];
  const rowWeight: number[] = [];
  const sessionClicks: number[][] = [];
  relevant.forEach((session, sessionIndex) => {
    const clicked = session.events.map((id) => columnOf.get(items.rowOf(id)) as number);
    for (const [position, id] of session.events.entries()) {
      const propensity = session.propensities?.get(id) ?? 1;
      rowQuery.push(sessionIndex);
      rowPositive.push(clicked[position] as number);
      rowWeight.push(Math.min(1 / propensity, options.propensityClip));
      sessionClicks.push(clicked);
    }
  });
  const exclusion = new Float32Array(rowQuery.length * columns.length);
  sessionClicks.forEach((clicked, row) => {
    for (const column of clicked) if (column !== rowPositive[row]) exclusion[row * columns.length + column] = Number.NEGATIVE_INFINITY;
  });
  return {
    queries: relevant.map((session) => session.query),
    rowQuery: Int32Array.from(rowQuery),
    rowPositive: Int32Array.from(rowPositive),
    rowWeight: Float32Array.from(rowWeight),
    columns: Int32Array.from(columns),
    exclusion,
  };
}

/** The weighted InfoNCE of a listwise batch under the model (differentiable). */
export function listwiseLoss(model: EmbeddingModel, batch: ListwiseBatch, items: ItemsSet, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const queryVectors = model.embedQueries(batch.queries);
    const candidateVectors = model.embedItems(batch.columns, items);
    const normalize = (x: tf.Tensor2D) => tf.div(x, tf.expandDims(tf.maximum(rowNorms(x), 1e-6), 1)) as tf.Tensor2D;
    const rows = gatherRows(normalize(queryVectors), batch.rowQuery);
    const rowCount = batch.rowQuery.length;
    const columnCount = batch.columns.length;
    const scores = tf.add(tf.div(matMul(rows, tf.transpose(normalize(candidateVectors))), temperature), tf.tensor2d(batch.exclusion, [rowCount, columnCount]));
    // Pick each row's positive by index (a one-hot product would meet −∞ · 0 = NaN at excluded columns).
    const picked = gatherRows(tf.reshape(tf.logSoftmax(scores), [rowCount * columnCount]) as tf.Tensor1D, Int32Array.from(batch.rowPositive, (column, row) => row * columnCount + column));
    const weights = tf.tensor1d(batch.rowWeight);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.sum(weights)) as tf.Scalar;
  });
}
