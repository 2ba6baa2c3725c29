import { FineTuningInput, ItemsSet, SeededRandom } from '@clicktune/core';

/** The shape of a benchmark workload (DESIGN/issue W1–W3: 1024 × 20 results × 2 clicks, dim 384, batch 64). */
export interface WorkloadShape {
  readonly sessions: number;
  readonly results: number;
  readonly clicks: number;
  readonly dimension: number;
  readonly batchSize: number;
  /** Catalogue size; default sessions × results / 4 (items recur across sessions, as in real logs). */
  readonly catalogue?: number;
  readonly seed?: number;
}

export const STANDARD_SHAPE: WorkloadShape = { sessions: 1024, results: 20, clicks: 2, dimension: 384, batchSize: 64 };

export interface Workload {
  readonly shape: WorkloadShape;
  readonly items: ItemsSet;
  readonly queries: ItemsSet;
  readonly sessions: FineTuningInput[];
  readonly batches: FineTuningInput[][];
}

/** Random base vectors (standard normal), random lists, `clicks` clicked results per session; seeded. */
export function makeWorkload(shape: WorkloadShape): Workload {
  const random = SeededRandom.fromSeed(shape.seed ?? 7);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  const catalogue = Math.max(shape.results, shape.catalogue ?? Math.ceil((shape.sessions * shape.results) / 4));
  const queryCount = Math.max(1, Math.ceil(shape.sessions / 4));
  const items = ItemsSet.fromEmbeddings(
    Array.from({ length: catalogue }, (_, index) => `item${index}`),
    Float32Array.from({ length: catalogue * shape.dimension }, gaussian),
    shape.dimension,
  );
  const queries = ItemsSet.fromEmbeddings(
    Array.from({ length: queryCount }, (_, index) => `query${index}`),
    Float32Array.from({ length: queryCount * shape.dimension }, gaussian),
    shape.dimension,
    { what: 'query' },
  );
  const sessions = Array.from({ length: shape.sessions }, () => {
    const rows = random.sampleIndices(catalogue, shape.results);
    random.shuffle(Array.from(rows));
    const results = Array.from(rows, (row) => `item${row}`);
    const clicked = random.sampleIndices(shape.results, shape.clicks);
    return FineTuningInput.create({
      query: `query${random.nextInt(queryCount)}`,
      results,
      ranks: Object.fromEntries(results.map((id, position) => [id, 1 - position / shape.results])),
      events: Array.from(clicked, (position) => results[position] as string),
    });
  });
  const batches: FineTuningInput[][] = [];
  for (let start = 0; start < sessions.length; start += shape.batchSize) batches.push(sessions.slice(start, start + shape.batchSize));
  return { shape, items, queries, sessions, batches };
}
