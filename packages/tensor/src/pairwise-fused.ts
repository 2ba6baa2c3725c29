import { type BatchPlan, COSINE_EPS, type ItemsSet } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import { partCatalogueRows, type ScoringStrategy, scoresByMatrix } from './extractor';
import { type SigmoidMarginForm, sigmoidMarginLogit } from './losses';
import type { LinearAdapter } from './models';
import { differenceMask, product, rowNorms } from './ops';

/**
 * The pairwise term of a linear adapter with the cosine ranker and the mean
 * aggregator, in closed form: one custom op whose forward is the two adapter
 * products plus cheap per-part work, and whose backward is written out
 * instead of taped kernel by kernel. With g the loss's gradient per part rank
 * (pairs → objects → parts, a segment mean backwards), Π = ‖p‖·‖q‖ and
 * r = p·q / max(Π, eps):
 *   ∂r/∂p = q / max(Π, eps) − [Π > eps]·r·p / ‖p‖²   (and the same for q),
 * each query's gradient summed over its parts; then ∂/∂W = Xᵀ·∂/∂(X·W) per
 * tower (summed for a shared adapter). The filter mask is a constant, as in
 * the taped path. Equal to `FeaturesExtractor.execute` + the loss under
 * autograd to 1e-5 (the shared backend suite checks both).
 *
 * Returns the loss (masked mean over kept pairs, 0 when none is kept) and the
 * number of kept pairs.
 */
export function fusedPairwiseLoss(
  model: LinearAdapter,
  plan: BatchPlan,
  items: ItemsSet,
  loss: SigmoidMarginForm,
  scoring: ScoringStrategy = 'auto',
): { value: tf.Scalar; kept: tf.Scalar } {
  const partCount = plan.partItem.length;
  const queryCount = plan.queries.length;
  const objectCount = plan.objectIds.length;
  // One part per object (objects are then the parts, in order): no aggregation at all.
  const onePartEach = objectCount === partCount;
  const useMatrix = scoresByMatrix(scoring, queryCount);
  const constants = tf.tidy(() => ({
    queryBase: model.base.queryVectors(plan.queries, model.inputDimension),
    partBase: model.baseItemRows(partCatalogueRows(plan), items),
    partQuery: tf.tensor1d(plan.partQuery, 'int32'),
    // Each part's own entry of the parts × queries matrix, flattened.
    partEntry: tf.tensor1d(
      Int32Array.from(plan.partQuery, (query, part) => part * queryCount + query),
      'int32',
    ),
    partObject: tf.tensor1d(plan.partObject, 'int32'),
    objectCounts: tf.tensor1d(
      Float32Array.from({ length: objectCount }, (_, object) => (plan.objectPartOffsets[object + 1] as number) - (plan.objectPartOffsets[object] as number)),
    ),
    pairPositive: tf.tensor1d(plan.pairPositive, 'int32'),
    pairNegative: tf.tensor1d(plan.pairNegative, 'int32'),
    pairWeight: tf.tensor1d(Float32Array.from(plan.pairPositiveConfidence, (confidence, pair) => Math.min(confidence, plan.pairNegativeConfidence[pair] as number))),
    pairTarget: tf.tensor1d(plan.pairTarget),
  }));
  const variables = model.trainableVariables();
  const queryIndex = model.queryWeights ? variables.indexOf(model.queryWeights) : -1;
  const itemIndex = model.itemWeights ? variables.indexOf(model.itemWeights) : -1;
  let kept: tf.Scalar | undefined;
  try {
    const term = tf.customGrad(((...inputs: unknown[]) => {
      const save = inputs.pop() as (tensors: tf.Tensor[]) => void;
      const weights = inputs as tf.Tensor2D[];
      const queries = model.project(constants.queryBase, weights[queryIndex] ?? null);
      const parts = model.project(constants.partBase, weights[itemIndex] ?? null);
      const queryNorms = rowNorms(queries);
      const partNorms = rowNorms(parts);
      // Each part's query row (gather form), or its entry of the score matrix (matrix form).
      const partQueries = useMatrix ? null : (tf.gather(queries, constants.partQuery) as tf.Tensor2D);
      const dots = partQueries ? tf.sum(tf.mul(parts, partQueries), 1) : tf.gather(tf.reshape(product(parts, queries, false, true), [partCount * queryCount]), constants.partEntry);
      const normProducts = tf.mul(partNorms, tf.gather(queryNorms, constants.partQuery));
      const partRanks = tf.div(dots, tf.maximum(normProducts, COSINE_EPS)) as tf.Tensor1D;
      const objectRanks = onePartEach ? partRanks : tf.div(tf.scatterND(tf.expandDims(constants.partObject, 1), partRanks, [objectCount]), constants.objectCounts);
      const positiveRanks = tf.gather(objectRanks, constants.pairPositive) as tf.Tensor1D;
      const negativeRanks = tf.gather(objectRanks, constants.pairNegative) as tf.Tensor1D;
      const difference = tf.sub(positiveRanks, negativeRanks);
      const mask = differenceMask(positiveRanks, negativeRanks, plan.minAbsDifference, plan.maxAbsDifference);
      const keptCount = tf.sum(mask);
      kept = tf.keep(tf.clone(keptCount)) as tf.Scalar;
      const sigmoid = tf.sigmoid(sigmoidMarginLogit(loss, tf.mul(constants.pairTarget, difference)));
      const divisor = tf.maximum(keptCount, 1);
      const maskedWeight = tf.mul(mask, constants.pairWeight);
      const value = tf.div(tf.sum(tf.mul(sigmoid, maskedWeight)), divisor);
      save([
        queries,
        parts,
        queryNorms,
        partNorms,
        normProducts,
        partRanks,
        sigmoid,
        maskedWeight,
        divisor,
        constants.queryBase,
        constants.partBase,
        constants.partQuery,
        constants.partEntry,
        constants.partObject,
        constants.objectCounts,
        constants.pairPositive,
        constants.pairNegative,
        constants.pairTarget,
      ]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [q, p, qNorms, pNorms, products, ranks, s, weight, keptDivisor, queryBase, partBase, partQuery, partEntry, partObject, counts, positive, negative, target] =
            saved as tf.Tensor[];
          // ∂loss/∂difference per pair: σ'(z) · ∂z/∂difference (= −scale · target), weighted, over the kept count.
          const sigmoidSlope = tf.mul(s as tf.Tensor, tf.sub(1, s as tf.Tensor));
          const pairGradient = tf.div(tf.mul(tf.mul(sigmoidSlope, weight as tf.Tensor), tf.mul(-loss.scale, target as tf.Tensor)), keptDivisor as tf.Tensor);
          const scaled = tf.mul(pairGradient, dy) as tf.Tensor1D;
          // Pairs → objects: + at the positive, − at the negative (scatterND sums repeated indices).
          const objectGradient = tf.sub(
            tf.scatterND(tf.expandDims(positive as tf.Tensor, 1), scaled, [objectCount]),
            tf.scatterND(tf.expandDims(negative as tf.Tensor, 1), scaled, [objectCount]),
          );
          // Objects → parts: the mean's gradient, 1 / parts of the object.
          const partGradient = onePartEach ? objectGradient : tf.gather(tf.div(objectGradient, counts as tf.Tensor), partObject as tf.Tensor);
          const dotCoefficient = tf.div(partGradient, tf.maximum(products as tf.Tensor, COSINE_EPS)) as tf.Tensor1D;
          // The norm terms live only above eps; a zero vector's norm term is 0, so any finite divisor serves.
          const normCoefficient = tf.mul(tf.mul(partGradient, tf.cast(tf.greater(products as tf.Tensor, COSINE_EPS), 'float32')), ranks as tf.Tensor) as tf.Tensor1D;
          const partSquares = tf.maximum(tf.square(pNorms as tf.Tensor), 1e-30);
          const querySquares = tf.maximum(tf.square(qNorms as tf.Tensor), 1e-30);
          const partNormTerm = tf.mul(tf.expandDims(tf.div(normCoefficient, partSquares), 1), p as tf.Tensor2D);
          // Σ over each query's parts of the norm coefficient, then times q / ‖q‖².
          const queryNormSum = tf.scatterND(tf.expandDims(partQuery as tf.Tensor, 1), normCoefficient, [queryCount]);
          const queryNormTerm = tf.mul(tf.expandDims(tf.div(queryNormSum, querySquares), 1), q as tf.Tensor2D);
          let partDotTerm: tf.Tensor2D;
          let queryDotTerm: tf.Tensor2D;
          if (useMatrix) {
            // The dot coefficients laid out as the parts × queries matrix: A·Q for the parts, Aᵀ·P for the queries.
            const coefficients = tf.reshape(tf.scatterND(tf.expandDims(partEntry as tf.Tensor, 1), dotCoefficient, [partCount * queryCount]), [
              partCount,
              queryCount,
            ]) as tf.Tensor2D;
            partDotTerm = product(coefficients, q as tf.Tensor2D);
            queryDotTerm = product(coefficients, p as tf.Tensor2D, true, false);
          } else {
            partDotTerm = tf.mul(tf.expandDims(dotCoefficient, 1), tf.gather(q as tf.Tensor2D, partQuery as tf.Tensor)) as tf.Tensor2D;
            queryDotTerm = tf.scatterND(tf.expandDims(partQuery as tf.Tensor, 1), tf.mul(tf.expandDims(dotCoefficient, 1), p as tf.Tensor2D), [
              queryCount,
              q?.shape[1] as number,
            ]) as tf.Tensor2D;
          }
          const partVectorGradient = tf.sub(partDotTerm, partNormTerm) as tf.Tensor2D;
          const queryVectorGradient = tf.sub(queryDotTerm, queryNormTerm) as tf.Tensor2D;
          return weights.map((_, index) => {
            const fromQueries = index === queryIndex ? product(queryBase as tf.Tensor2D, queryVectorGradient, true, false) : null;
            const fromParts = index === itemIndex ? product(partBase as tf.Tensor2D, partVectorGradient, true, false) : null;
            return fromQueries && fromParts ? tf.add(fromQueries, fromParts) : ((fromQueries ?? fromParts) as tf.Tensor);
          });
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const value = term(...variables) as tf.Scalar;
    return { value, kept: kept as tf.Scalar };
  } catch (error) {
    kept?.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(constants));
  }
}
