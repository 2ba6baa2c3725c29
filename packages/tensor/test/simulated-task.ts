import { FineTuningInput, ItemsSet, resolveRanker, SeededRandom } from '@clicktune/core';

/**
 * A small click task where fine-tuning can help: items and queries have
 * random base vectors, but users judge relevance by a hidden linear map of
 * the query (so the base ranking is imperfect). Logged lists are the base
 * top-k; clicks follow a position-based model on the hidden relevance.
 */
export function simulatedTask(options: { seed: number; dimension?: number; items?: number; queries?: number; sessions?: number; listLength?: number; positionBias?: boolean }) {
  const random = SeededRandom.fromSeed(options.seed);
  const dimension = options.dimension ?? 8;
  const itemCount = options.items ?? 120;
  const queryCount = options.queries ?? 60;
  const sessionCount = options.sessions ?? 600;
  const listLength = options.listLength ?? 10;
  const gaussian = () => {
    const u = 1 - random.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextFloat());
  };
  const itemMatrix = Float32Array.from({ length: itemCount * dimension }, gaussian);
  const queryMatrix = Float32Array.from({ length: queryCount * dimension }, gaussian);
  // Hidden map: identity plus a strong perturbation.
  const hidden = Float32Array.from({ length: dimension * dimension }, (_, index) => (index % (dimension + 1) === 0 ? 1 : 0) + 0.8 * gaussian());
  const items = ItemsSet.fromEmbeddings(
    Array.from({ length: itemCount }, (_, index) => `item${index}`),
    itemMatrix,
    dimension,
  );
  const queries = ItemsSet.fromEmbeddings(
    Array.from({ length: queryCount }, (_, index) => `query${index}`),
    queryMatrix,
    dimension,
    { what: 'query' },
  );
  const cosineRanker = resolveRanker('cosine');
  const cosine = (a: Float32Array, b: Float32Array) => cosineRanker.rank(a, 0, b, 0, a.length);
  // With positionBias false, users examine the whole (short) list, so clicks are noisy relevance;
  // with it, examination follows the PBM propensities of ULTRA.
  const examination = options.positionBias === false ? new Array(listLength).fill(0.9) : [0.68, 0.61, 0.48, 0.34, 0.28, 0.2, 0.11, 0.1, 0.08, 0.06];
  const sessions: FineTuningInput[] = [];
  for (let session = 0; session < sessionCount; session += 1) {
    const query = random.nextInt(queryCount);
    const base = queries.embeddingOf(`query${query}`);
    const truth = new Float32Array(dimension);
    for (let row = 0; row < dimension; row += 1)
      for (let column = 0; column < dimension; column += 1) truth[column] = (truth[column] as number) + (base[row] as number) * (hidden[row * dimension + column] as number);
    const scored = items.ids.map((id) => ({ id, base: cosine(base, items.embeddingOf(id)), truth: cosine(truth, items.embeddingOf(id)) }));
    const shown = scored.sort((a, b) => b.base - a.base).slice(0, listLength);
    const events = shown.filter((item, position) => random.nextFloat() < (examination[position] ?? 0.05) * (item.truth > 0.5 ? 0.95 : 0.05)).map((item) => item.id);
    sessions.push(
      FineTuningInput.create({
        query: `query${query}`,
        results: shown.map((item) => item.id),
        ranks: Object.fromEntries(shown.map((item) => [item.id, item.base])),
        events,
      }),
    );
  }
  return { items, queries, sessions, dimension };
}
