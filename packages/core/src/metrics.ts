import { InvalidOptionError } from './errors';

export interface RankingMetrics {
  readonly mrr: number;
  readonly ndcg: number;
  readonly recall: number;
}

/**
 * Indices of `scores` from best to worst (higher is better unless
 * `isSimilarity` is false); ties keep the original (displayed) order.
 */
export function rankOrder(scores: ArrayLike<number>, isSimilarity = true): number[] {
  const sign = isSimilarity ? -1 : 1;
  return Array.from({ length: scores.length }, (_, index) => index).sort((a, b) => sign * ((scores[a] as number) - (scores[b] as number)) || a - b);
}

/** NDCG's graded gain (Burges et al. 2005; ranx's ndcg_burges): 2^grade − 1. */
export function exponentialGain(grade: number): number {
  return 2 ** grade - 1;
}

/**
 * DCG of gains listed in ranked order: Σ gain_r / log2(r + 1), r counted
 * from 1. The one DCG; callers name their gain (`exponentialGain`, or a
 * label itself for a linear gain).
 */
export function discountedCumulativeGain(gains: readonly number[]): number {
  let total = 0;
  gains.forEach((gain, index) => {
    total += gain / Math.log2(index + 2);
  });
  return total;
}

/**
 * MRR@k, NDCG@k (gain 2^g − 1, discount log2(rank + 1)) and Recall@k of a
 * list re-ranked by `scores`, judged by `grades` (> 0 is relevant).
 * `idealGrades` are all the query's judged grades when relevant items may be
 * missing from the list (full-catalogue evaluation); by default the list's own.
 * A query with no relevant item scores 0 on every metric.
 */
export function rankingMetrics(
  scores: ArrayLike<number>,
  grades: ArrayLike<number>,
  k: number,
  options: { isSimilarity?: boolean; idealGrades?: ArrayLike<number> } = {},
): RankingMetrics {
  if (!Number.isInteger(k) || k < 1) throw new InvalidOptionError(`k must be a positive integer, got ${k}`, { location: { field: 'k' } });
  if (scores.length !== grades.length) throw new InvalidOptionError(`scores and grades differ in length: ${scores.length} and ${grades.length}`);
  const order = rankOrder(scores, options.isSimilarity ?? true);
  const ideal = Array.from(options.idealGrades ?? grades).sort((a, b) => b - a);
  const relevantTotal = ideal.filter((grade) => grade > 0).length;
  if (relevantTotal === 0) return { mrr: 0, ndcg: 0, recall: 0 };
  let mrr = 0;
  let found = 0;
  const top = order.slice(0, k);
  top.forEach((index, rank) => {
    if ((grades[index] as number) > 0) {
      if (mrr === 0) mrr = 1 / (rank + 1);
      found += 1;
    }
  });
  const dcg = discountedCumulativeGain(top.map((index) => exponentialGain(grades[index] as number)));
  const idealDcg = discountedCumulativeGain(ideal.slice(0, k).map(exponentialGain));
  return { mrr, ndcg: idealDcg > 0 ? dcg / idealDcg : 0, recall: found / relevantTotal };
}

/** Mean of metrics over queries (each query weighs the same). */
export function meanMetrics(metrics: readonly RankingMetrics[]): RankingMetrics {
  if (metrics.length === 0) return { mrr: 0, ndcg: 0, recall: 0 };
  const sum = (pick: (value: RankingMetrics) => number) => metrics.reduce((total, value) => total + pick(value), 0) / metrics.length;
  return { mrr: sum((value) => value.mrr), ndcg: sum((value) => value.ndcg), recall: sum((value) => value.recall) };
}

/**
 * EmbeddingStudio's DistanceShift for one session (CASES C13): for a relevant
 * session, the mean over clicked results of (new − previous) rank; for an
 * irrelevant one, the mean over its results of (previous − new). Signs flip
 * for distances, so a positive shift is always an improvement.
 */
export function distanceShift(previous: ArrayLike<number>, current: ArrayLike<number>, options: { relevant: boolean; isSimilarity?: boolean }): number {
  if (previous.length !== current.length) throw new InvalidOptionError(`previous and current ranks differ in length: ${previous.length} and ${current.length}`);
  if (previous.length === 0) return 0;
  const sign = (options.relevant ? 1 : -1) * (options.isSimilarity === false ? -1 : 1);
  let sum = 0;
  for (let index = 0; index < previous.length; index += 1) sum += sign * ((current[index] as number) - (previous[index] as number));
  return sum / previous.length;
}
