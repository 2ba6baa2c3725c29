import { allocateMatrix, InvalidOptionError, ItemsSet, type Relevance, SeededRandom } from '@clicktune/core';
import { loadSample } from '@clicktune/datasets';

/** The emoji sample's catalogue: 1,662 items of dimension 100. */
export const EMOJI_ITEMS = 1662;
export const EMOJI_DIMENSION = 100;

/** The catalogue of the recipe workload: the emoji sample's own (1,662 items, d 100) unless grown or widened. */
export interface RecipeCatalogue {
  /** Items in the catalogue (default: the sample's 1,662); the ones beyond the sample's are distractors. */
  readonly items?: number;
  /** Embedding dimension (default: the sample's 100); wider vectors are the sample's zero-padded. */
  readonly dimension?: number;
}

export interface RecipeTask {
  readonly items: ItemsSet;
  readonly queries: ItemsSet;
  readonly relevance: Relevance;
}

/**
 * The emoji task at a catalogue size and dimension, the same in every
 * process (seeded). Zero padding keeps every cosine and costs what d costs;
 * a distractor is a random sample item plus Gaussian noise of the same norm
 * over every dimension — plausible vectors, never relevant, that a
 * full-catalogue step has to score like any item.
 */
export async function recipeTask(catalogue: RecipeCatalogue = {}): Promise<RecipeTask> {
  const sample = await loadSample('emoji');
  const base = sample.items.dimension;
  const dimension = catalogue.dimension ?? base;
  const size = catalogue.items ?? sample.items.size;
  if (!Number.isSafeInteger(dimension) || dimension < base) throw new InvalidOptionError(`the recipe's dimension must be a whole number ≥ the sample's ${base}, got ${dimension}`);
  if (!Number.isSafeInteger(size) || size < sample.items.size)
    throw new InvalidOptionError(`the recipe's catalogue must be a whole number ≥ the sample's ${sample.items.size} items, got ${size}`);
  if (dimension === base && size === sample.items.size) return sample;
  const pad = (set: ItemsSet, rows: number, what?: string) => {
    const matrix = allocateMatrix(rows * dimension);
    for (let row = 0; row < set.size; row += 1) matrix.set(set.matrix.subarray(row * base, (row + 1) * base), row * dimension);
    return { matrix, ids: [...set.ids], what };
  };
  const items = pad(sample.items, size);
  const random = SeededRandom.fromSeed(7);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  for (let row = sample.items.size; row < size; row += 1) {
    const source = random.nextInt(sample.items.size);
    const vector = items.matrix.subarray(row * dimension, (row + 1) * dimension);
    vector.set(items.matrix.subarray(source * dimension, source * dimension + base));
    let norm = 0;
    for (let index = 0; index < base; index += 1) norm += (vector[index] as number) ** 2;
    const scale = Math.sqrt(norm / dimension);
    for (let index = 0; index < dimension; index += 1) vector[index] = (vector[index] as number) + scale * gaussian();
    items.ids.push(`distractor-${row - sample.items.size}`);
  }
  const queries = pad(sample.queries, sample.queries.size);
  return {
    items: ItemsSet.fromEmbeddings(items.ids, items.matrix, dimension),
    queries: ItemsSet.fromEmbeddings(queries.ids, queries.matrix, dimension, { what: 'query' }),
    relevance: sample.relevance,
  };
}
