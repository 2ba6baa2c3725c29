import {
  DimensionMismatchError,
  distanceShift,
  type FineTuningInput,
  type ItemsSet,
  meanMetrics,
  type QueryReference,
  queryKey,
  type RankerKind,
  type RankingMetrics,
  rankingMetrics,
  type Relevance,
} from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { EmbeddingModel } from './models';
import { gatherRows } from './ops';
import { rankMatrix, rankRows } from './rankers';

/** The model's rank of every result of every session (no gradients), aligned with `results`. */
export async function scoreSessions(model: EmbeddingModel, sessions: readonly FineTuningInput[], items: ItemsSet, ranker: RankerKind = 'cosine'): Promise<Float32Array[]> {
  if (sessions.length === 0) return [];
  const queryIndex = new Map<string, number>();
  const queries: QueryReference[] = [];
  const partQuery: number[] = [];
  const ids: string[] = [];
  sessions.forEach((session, index) => {
    const query = session.query;
    // Vectors are not compared: each session's embedding query is a query of its own.
    const key = query.kind === 'embedding' ? `session ${index}` : queryKey(query);
    let row = queryIndex.get(key);
    if (row === undefined) {
      row = queries.length;
      queryIndex.set(key, row);
      queries.push(query);
    }
    for (const id of session.results) {
      ids.push(id);
      partQuery.push(row);
    }
  });
  const rows = items.rowsOf(ids);
  const ranks = tf.tidy(() => {
    const queryVectors = model.embedQueries(queries);
    const itemVectors = model.embedItems(rows, items);
    return rankRows(ranker, gatherRows(queryVectors, Int32Array.from(partQuery)), itemVectors);
  });
  // Read outside tidy (tidy walks a returned typed array element by element), asynchronously
  // (WebGPU in Node has no synchronous read).
  const flat = (await ranks.data()) as Float32Array;
  ranks.dispose();
  const out: Float32Array[] = [];
  let offset = 0;
  for (const session of sessions) {
    out.push(flat.slice(offset, offset + session.results.length));
    offset += session.results.length;
  }
  return out;
}

export interface SessionEvaluation extends RankingMetrics {
  /** Mean DistanceShift over relevant sessions (positive = clicked results moved up). */
  readonly clickedShift: number;
  /** Mean DistanceShift over irrelevant sessions (positive = their results moved down). */
  readonly irrelevantShift: number;
  readonly sessions: number;
}

/**
 * Re-ranks each session's results by the model and judges them by its
 * clicks (MRR@k, NDCG@k, Recall@k over relevant sessions), and measures
 * DistanceShift against `previousScores` (e.g. the model before training).
 */
export async function evaluateSessions(
  model: EmbeddingModel,
  sessions: readonly FineTuningInput[],
  items: ItemsSet,
  options: { k?: number; ranker?: RankerKind; isSimilarity?: boolean; previousScores?: readonly Float32Array[] } = {},
): Promise<SessionEvaluation> {
  const k = options.k ?? 10;
  const isSimilarity = options.isSimilarity ?? options.ranker !== 'euclidean';
  const scores = await scoreSessions(model, sessions, items, options.ranker);
  const metrics: RankingMetrics[] = [];
  const clicked: number[] = [];
  const irrelevant: number[] = [];
  sessions.forEach((session, index) => {
    const current = scores[index] as Float32Array;
    const previous = options.previousScores?.[index];
    if (session.isIrrelevant) {
      if (previous) irrelevant.push(distanceShift(previous, current, { relevant: false, isSimilarity }));
      return;
    }
    const grades = session.results.map((id) => (session.isEvent(id) ? 1 : 0));
    metrics.push(rankingMetrics(current, grades, k, { isSimilarity }));
    if (previous) {
      const eventIndices = session.results.flatMap((id, position) => (session.isEvent(id) ? [position] : []));
      clicked.push(
        distanceShift(
          eventIndices.map((position) => previous[position] as number),
          eventIndices.map((position) => current[position] as number),
          { relevant: true, isSimilarity },
        ),
      );
    }
  });
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);
  return { ...meanMetrics(metrics), clickedShift: mean(clicked), irrelevantShift: mean(irrelevant), sessions: sessions.length };
}

/**
 * Full-catalogue retrieval quality against relevance judgements: every item
 * is scored for every query, the top k are judged (MRR@k, NDCG@k, Recall@k),
 * with all judged items as the ideal. Queries are processed in chunks.
 */
export async function evaluateRetrieval(
  model: EmbeddingModel,
  queryIds: readonly string[],
  relevance: Relevance,
  items: ItemsSet,
  options: { k?: number; ranker?: RankerKind; chunkSize?: number } = {},
): Promise<RankingMetrics & { perQuery: RankingMetrics[] }> {
  const k = Math.min(options.k ?? 10, items.size);
  const ranker = options.ranker ?? 'cosine';
  const lists = await retrieveTopK(
    model,
    queryIds.map((id) => ({ kind: 'id', id }) as const),
    items,
    { k, ranker, chunkSize: options.chunkSize },
  );
  const perQuery = lists.map((list, row) => {
    const judged = relevance.get(queryIds[row] as string) ?? new Map<string, number>();
    return rankingMetrics(
      list.map((entry) => entry.score),
      list.map((entry) => judged.get(entry.id) ?? 0),
      k,
      { idealGrades: [...judged.values()], isSimilarity: ranker !== 'euclidean' },
    );
  });
  return { ...meanMetrics(perQuery), perQuery };
}

/**
 * The model's top k items for each query id, best first (full catalogue,
 * chunked). `itemVectors`: the model's embeddings of every catalogue row, when
 * the caller has them (not disposed here) — or, with `rows`, of those
 * catalogue rows only, in that order: the top k among them. Without them, a
 * catalogue of more than `itemChunkSize` rows (default 65,536) is embedded and
 * ranked a chunk at a time.
 */
export async function retrieveTopK(
  model: EmbeddingModel,
  queries: readonly QueryReference[],
  items: ItemsSet,
  options: { k?: number; ranker?: RankerKind; chunkSize?: number; itemChunkSize?: number; itemVectors?: tf.Tensor2D; rows?: Int32Array } = {},
): Promise<Array<Array<{ id: string; score: number }>>> {
  const rows = options.rows;
  if (rows && (!options.itemVectors || options.itemVectors.shape[0] !== rows.length))
    throw new DimensionMismatchError(
      `retrieveTopK: ${rows.length} rows need their ${rows.length} item vectors, got ${options.itemVectors ? options.itemVectors.shape[0] : 'none'}`,
    );
  const k = Math.min(options.k ?? 10, rows ? rows.length : items.size);
  const ranker = options.ranker ?? 'cosine';
  const chunkSize = options.chunkSize ?? 256;
  const sign = ranker === 'euclidean' ? -1 : 1;
  const toLists = (found: Array<Array<{ row: number; score: number }>>) =>
    found.map((list) => list.map((entry) => ({ id: items.ids[entry.row] as string, score: sign * entry.score })));
  if (options.itemVectors) return toLists(await topWithin(model, queries, options.itemVectors, rows ?? null, k, ranker, chunkSize));
  const itemChunk = options.itemChunkSize ?? ITEM_CHUNK;
  if (items.size <= itemChunk) {
    const itemVectors = catalogueEmbeddings(model, items);
    try {
      return toLists(await topWithin(model, queries, itemVectors, null, k, ranker, chunkSize));
    } finally {
      itemVectors.dispose();
    }
  }
  // A large catalogue is embedded a chunk at a time (its whole embedding, and the scores against it, need not fit at once); each chunk's top k are merged.
  let best: Array<Array<{ row: number; score: number }>> = queries.map(() => []);
  for (let start = 0; start < items.size; start += itemChunk) {
    const chunkRows = Int32Array.from({ length: Math.min(itemChunk, items.size - start) }, (_, offset) => start + offset);
    const vectors = tf.tidy(() => model.embedItems(chunkRows, items));
    try {
      const found = await topWithin(model, queries, vectors, chunkRows, Math.min(k, chunkRows.length), ranker, chunkSize);
      // Higher first; on a tie the lower row, as tf.topk orders ties.
      best = best.map((list, query) => [...list, ...(found[query] ?? [])].sort((x, y) => y.score - x.score || x.row - y.row).slice(0, k));
    } finally {
      vectors.dispose();
    }
  }
  return toLists(best);
}

/** Catalogue rows `retrieveTopK` embeds at once by default (2¹⁶ rows of d 384: 96 MiB). */
const ITEM_CHUNK = 65_536;

/** Each query's top k among `itemVectors` (the catalogue, or the given rows of it), scores negated for euclidean. */
async function topWithin(
  model: EmbeddingModel,
  queries: readonly QueryReference[],
  itemVectors: tf.Tensor2D,
  rows: Int32Array | null,
  k: number,
  ranker: RankerKind,
  chunkSize: number,
): Promise<Array<Array<{ row: number; score: number }>>> {
  const lists: Array<Array<{ row: number; score: number }>> = [];
  for (let start = 0; start < queries.length; start += chunkSize) {
    const chunk = queries.slice(start, start + chunkSize);
    const top = tf.tidy(() => {
      // Catalogue rows first, then transposed: TF's products (node, wasm) run items × queries up to twice as fast as
      // queries × items on a large catalogue (apps/bench/results/2026-12-04); the same scores up to rounding.
      const scores = tf.transpose(rankMatrix(ranker, itemVectors, model.embedQueries(chunk)));
      return tf.topk(ranker === 'euclidean' ? tf.neg(scores) : scores, k);
    });
    const values = await top.values.data();
    const indices = await top.indices.data();
    tf.dispose([top.values, top.indices]);
    chunk.forEach((_, row) => {
      lists.push(
        Array.from({ length: k }, (_, position) => {
          const index = indices[row * k + position] as number;
          return { row: rows ? (rows[index] as number) : index, score: values[row * k + position] as number };
        }),
      );
    });
  }
  return lists;
}

/** The model's embeddings of every catalogue row, in row order. */
export function catalogueEmbeddings(model: EmbeddingModel, items: ItemsSet): tf.Tensor2D {
  return tf.tidy(() =>
    model.embedItems(
      Int32Array.from({ length: items.size }, (_, row) => row),
      items,
    ),
  );
}
