import { type ItemsSet, type ListwisePlan, resolveRanker } from '@clicktune/core';
import type { ReferenceModel } from './models';

/**
 * The listwise term's oracle: the weighted InfoNCE of a planned batch,
 * row by row in float64 — for each click, −log softmax of its positive's
 * cosine / τ among the row's candidate columns (the session's other clicks
 * excluded), averaged with the rows' propensity weights.
 */
export function listwiseLoss(model: ReferenceModel, plan: ListwisePlan, items: ItemsSet): number {
  const queryVectors = model.embedQueries(plan.queries);
  const itemVectors = model.embedItems(plan.columns, items);
  const dimension = queryVectors.length / plan.queries.length;
  const cosine = resolveRanker('cosine');
  const columnCount = plan.columns.length;
  const excluded = new Set(plan.excluded);
  let weighted = 0;
  let weights = 0;
  for (let row = 0; row < plan.rowQuery.length; row += 1) {
    const query = plan.rowQuery[row] as number;
    const scores: number[] = [];
    for (let column = 0; column < columnCount; column += 1) {
      if (excluded.has(row * columnCount + column)) continue;
      scores.push(cosine.rank(queryVectors, query * dimension, itemVectors, column * dimension, dimension) / plan.temperature);
    }
    const positive = cosine.rank(queryVectors, query * dimension, itemVectors, (plan.rowPositive[row] as number) * dimension, dimension) / plan.temperature;
    const top = Math.max(...scores);
    const logSumExp = top + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - top), 0));
    const weight = plan.rowWeight[row] as number;
    weighted += weight * (logSumExp - positive);
    weights += weight;
  }
  return weights === 0 ? 0 : weighted / weights;
}
