import { FineTuningInput, ItemsSet } from '@clicktune/core';
import fc from 'fast-check';

/** A catalogue of `count` items with small integer-ish vectors (ties and duplicates happen on purpose). */
export function catalogue(count: number, dimension: number, seedValues: number[]): ItemsSet {
  const matrix = new Float32Array(count * dimension);
  for (let index = 0; index < matrix.length; index += 1) matrix[index] = (seedValues[index % seedValues.length] ?? 0) + ((index * 7) % 5) - 2;
  return ItemsSet.fromEmbeddings(
    Array.from({ length: count }, (_, index) => `i${index}`),
    matrix,
    dimension,
  );
}

export const CATALOGUE_SIZE = 40;

/** Random sessions over the catalogue: parts, clicks, irrelevant sessions, duplicated scores. */
export const sessionArbitrary = fc
  .record({
    resultCount: fc.integer({ min: 1, max: 12 }),
    offset: fc.integer({ min: 0, max: CATALOGUE_SIZE - 1 }),
    clicks: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    irrelevant: fc.boolean(),
    partsPerObject: fc.integer({ min: 1, max: 3 }),
    scores: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 12, maxLength: 12 }),
    query: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ resultCount, offset, clicks, irrelevant, partsPerObject, scores, query }) => {
    const results = Array.from({ length: resultCount }, (_, index) => `i${(offset + index) % CATALOGUE_SIZE}`);
    const partToObject = Object.fromEntries(results.map((id, index) => [id, `o${Math.floor(index / partsPerObject)}-${offset}`]));
    return FineTuningInput.create({
      query: { embedding: query.every((value) => value === 0) ? [1, 0, 0] : query },
      results,
      ranks: Object.fromEntries(results.map((id, index) => [id, scores[index] as number])),
      events: irrelevant ? [] : results.filter((_, index) => clicks[index]),
      partToObject,
    });
  });
