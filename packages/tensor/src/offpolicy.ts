import { type FineTuningInput, type ItemsSet, queryKeyOf } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { EmbeddingModel } from './models';
import { rankMatrix } from './rankers';

export interface OffPolicyOptions {
  /** Cut-off of the estimated DCG (default 10). */
  k?: number;
  /** Examination propensity θ per logged position (default: every position examined). */
  examination?: ArrayLike<number>;
  /** Clip of a click's inverse-propensity weight (default 100). */
  clip?: number;
}

export interface OffPolicyEstimate {
  /** Estimated DCG@k per session of the model's full-catalogue ranking (higher is better). */
  readonly estimate: number;
  readonly sessions: number;
  readonly clicks: number;
}

/**
 * An inverse-propensity estimate of the model's full-catalogue ranking
 * quality from logged clicks (Joachims et al., 2017; Agarwal et al., 2019):
 * each click on d at logged position p, shown with logging propensity π,
 * counts w = min(1 / (θ_p · π), clip) times the DCG gain 1/log2(1 + r) of the
 * rank r the model gives d over the whole catalogue (0 beyond k). Under a
 * position-based click model and a logging policy that gives every relevant
 * item a non-zero propensity (exploration), its expectation is proportional
 * to the model's DCG@k on the true relevance — using clicks only, never
 * labels. Without exploration, relevant items never shown count for nothing,
 * so the estimate favours the logged ranking.
 */
export async function estimateClickDcg(model: EmbeddingModel, sessions: readonly FineTuningInput[], items: ItemsSet, options: OffPolicyOptions = {}): Promise<OffPolicyEstimate> {
  const k = options.k ?? 10;
  const clip = options.clip ?? 100;
  const examination = options.examination;
  const queryRows = new Map<string, number>();
  const queries: FineTuningInput['query'][] = [];
  for (const session of sessions) {
    if (session.events.length === 0) continue;
    const key = queryKeyOf(session);
    if (!queryRows.has(key)) {
      queryRows.set(key, queries.length);
      queries.push(session.query);
    }
  }
  if (queries.length === 0) return { estimate: 0, sessions: sessions.length, clicks: 0 };
  const allRows = Int32Array.from({ length: items.size }, (_, row) => row);
  const scoresTensor = tf.tidy(() => rankMatrix('cosine', model.embedQueries(queries), model.embedItems(allRows, items)));
  const scores = (await scoresTensor.data()) as Float32Array;
  scoresTensor.dispose();
  let total = 0;
  let clicks = 0;
  for (const session of sessions) {
    const row = queryRows.get(queryKeyOf(session));
    if (row === undefined) continue;
    const offset = row * items.size;
    for (const id of session.events) {
      const position = session.results.indexOf(id);
      const theta = examination ? (examination[Math.min(position, examination.length - 1)] as number) : 1;
      const weight = Math.min(1 / (theta * (session.propensities?.get(id) ?? 1)), clip);
      const score = scores[offset + items.rowOf(id)] as number;
      let rank = 1;
      for (let column = 0; column < items.size && rank <= k; column += 1) if ((scores[offset + column] as number) > score) rank += 1;
      if (rank <= k) total += weight / Math.log2(rank + 1);
      clicks += 1;
    }
  }
  return { estimate: total / sessions.length, sessions: sessions.length, clicks };
}

/** Mean share of each query's top k that two rankings have in common (a drift guard against the base ranking). */
export function topKOverlap(current: ReadonlyArray<readonly string[]>, reference: ReadonlyArray<readonly string[]>): number {
  if (current.length === 0) return 1;
  let sum = 0;
  current.forEach((list, index) => {
    const other = new Set(reference[index] ?? []);
    sum += list.filter((id) => other.has(id)).length / Math.max(1, list.length);
  });
  return sum / current.length;
}
