import { ItemsSet, SeededRandom } from '@clicktune/core';
import { positionBasedModel, simulateSessions } from '@clicktune/simulate';

/**
 * A task a linear adapter can learn and the base embeddings cannot: query j's
 * one relevant item is item j, and its base embedding is item j's with the
 * coordinates rotated by one place (plus noise), so base cosine rarely finds
 * it. The logging policy shows the base top 9 with the relevant item inserted
 * at a random position (as exploration would); PBM clicks on it.
 */
export function learnableTask(queryCount: number, sessions: number) {
  const random = SeededRandom.fromSeed(5);
  const dimension = 8;
  const itemCount = 200;
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  const itemVectors = Float32Array.from({ length: itemCount * dimension }, gaussian);
  const queryVectors = new Float32Array(queryCount * dimension);
  for (let query = 0; query < queryCount; query += 1) {
    for (let column = 0; column < dimension; column += 1)
      queryVectors[query * dimension + ((column + 1) % dimension)] = (itemVectors[query * dimension + column] as number) + 0.05 * gaussian();
  }
  const items = ItemsSet.fromEmbeddings(
    Array.from({ length: itemCount }, (_, index) => `i${index}`),
    itemVectors,
    dimension,
  );
  const queryIds = Array.from({ length: queryCount }, (_, index) => `q${index}`);
  const queries = ItemsSet.fromEmbeddings(queryIds, queryVectors, dimension, { what: 'query' });
  const cosine = (query: number, item: number) => {
    let dot = 0;
    let left = 0;
    let right = 0;
    for (let column = 0; column < dimension; column += 1) {
      const a = queryVectors[query * dimension + column] as number;
      const b = itemVectors[item * dimension + column] as number;
      dot += a * b;
      left += a * a;
      right += b * b;
    }
    return dot / Math.sqrt(left * right);
  };
  const baseTop = queryIds.map((_, query) =>
    Array.from({ length: itemCount }, (_, item) => ({ id: `i${item}`, score: cosine(query, item) }))
      .sort((a, b) => b.score - a.score)
      .filter((entry) => entry.id !== `i${query}`)
      .slice(0, 9),
  );
  const logged = simulateSessions({
    queries: queryIds,
    sessions,
    zipfExponent: 0,
    show: (query, stream) => {
      const index = Number(query.slice(1));
      const list = [...(baseTop[index] ?? [])];
      list.splice(stream.nextInt(10), 0, { id: `i${index}`, score: 0 });
      return list;
    },
    grade: (query, item) => (item === `i${query.slice(1)}` ? 1 : 0),
    clickModel: positionBasedModel(),
    random,
  });
  return { items, queries, sessions: logged };
}
