import type { RanksAggregator } from '@clicktune/confidence';
import { type BatchPlan, DimensionMismatchError, FineTuningFeatures, type ItemsSet, type Ranker } from '@clicktune/core';
import type { ReferenceModel } from './models';

export interface PlanExecution {
  /** Pairs after the step-7 filter. */
  readonly features: FineTuningFeatures;
  /** Pairs before the filter (for tracing). */
  readonly unfiltered: FineTuningFeatures;
  readonly partRanks: Float32Array;
  readonly objectRanks: Float32Array;
}

/**
 * Executes a plan with loops over contiguous Float32Arrays (no allocation per
 * pair): part ranks (step 5), object ranks by the differentiable aggregator,
 * pairs gathered (step 6), then the strict |pos − neg| filter (step 7).
 */
export function executePlan(plan: BatchPlan, items: ItemsSet, model: ReferenceModel, ranker: Ranker, aggregator: RanksAggregator): PlanExecution {
  const queryVectors = model.embedQueries(plan.queries);
  const itemVectors = model.embedItems(plan.itemRows, items);
  const dimension = plan.itemRows.length > 0 ? itemVectors.length / plan.itemRows.length : 0;
  if (plan.queries.length > 0 && plan.itemRows.length > 0 && queryVectors.length !== plan.queries.length * dimension) {
    throw new DimensionMismatchError(`the model gives query vectors of length ${queryVectors.length / plan.queries.length} and item vectors of length ${dimension}`);
  }
  const partCount = plan.partItem.length;
  const partRanks = new Float32Array(partCount);
  for (let part = 0; part < partCount; part += 1) {
    partRanks[part] = ranker.rank(queryVectors, (plan.partQuery[part] as number) * dimension, itemVectors, (plan.partItem[part] as number) * dimension, dimension);
  }
  const objectCount = plan.objectIds.length;
  const objectRanks = new Float32Array(objectCount);
  for (let object = 0; object < objectCount; object += 1) {
    objectRanks[object] = aggregator.soft(partRanks.subarray(plan.objectPartOffsets[object], plan.objectPartOffsets[object + 1]));
  }
  const pairCount = plan.pairPositive.length;
  const positiveRanks = new Float32Array(pairCount);
  const negativeRanks = new Float32Array(pairCount);
  for (let pair = 0; pair < pairCount; pair += 1) {
    positiveRanks[pair] = objectRanks[plan.pairPositive[pair] as number] as number;
    negativeRanks[pair] = objectRanks[plan.pairNegative[pair] as number] as number;
  }
  const unfiltered = new FineTuningFeatures({
    positiveRanks,
    negativeRanks,
    positiveConfidences: plan.pairPositiveConfidence,
    negativeConfidences: plan.pairNegativeConfidence,
    target: plan.pairTarget,
    sessionIndex: plan.pairSession,
    positiveObjectIds: Array.from(plan.pairPositive, (object) => plan.objectIds[object] as string),
    negativeObjectIds: Array.from(plan.pairNegative, (object) => plan.objectIds[object] as string),
  });
  return {
    features: unfiltered.filterByDifference(plan.minAbsDifference, plan.maxAbsDifference),
    unfiltered,
    partRanks,
    objectRanks,
  };
}
