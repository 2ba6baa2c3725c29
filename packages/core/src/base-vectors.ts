import { DimensionMismatchError, InvalidOptionError, MissingItemsError } from './errors';
import type { ItemsSet } from './items';
import type { QueryReference } from './session';

/** Base vectors of queries: their own embedding, or a row of the queries set for an id. */
export function baseQueryVectors(queries: readonly QueryReference[], querySet: ItemsSet | undefined, dimension: number): Float32Array {
  const matrix = new Float32Array(queries.length * dimension);
  const missing: string[] = [];
  queries.forEach((query, index) => {
    if (query.kind === 'embedding') {
      if (query.embedding.length !== dimension) {
        throw new DimensionMismatchError(`query embedding has length ${query.embedding.length}, items have ${dimension}`, { location: { field: 'query' } });
      }
      matrix.set(query.embedding, index * dimension);
    } else if (query.kind === 'id') {
      if (!querySet?.has(query.id)) {
        missing.push(query.id);
        return;
      }
      if (querySet.dimension !== dimension) {
        throw new DimensionMismatchError(`query vectors have length ${querySet.dimension}, items have ${dimension}`, { location: { field: 'query' } });
      }
      matrix.set(querySet.embeddingOf(query.id), index * dimension);
    } else {
      throw new InvalidOptionError('a text query needs a model that embeds text; base embeddings cannot', { location: { field: 'query' } });
    }
  });
  if (missing.length > 0) throw new MissingItemsError(missing, { what: 'query' });
  return matrix;
}

/** Base vectors of catalogue rows (a gather of the items matrix). */
export function baseItemVectors(rows: Int32Array, items: ItemsSet): Float32Array {
  const dimension = items.dimension;
  if (dimension === 0) throw new InvalidOptionError('items have no embeddings; base embeddings cannot rank them');
  const matrix = new Float32Array(rows.length * dimension);
  rows.forEach((row, index) => {
    matrix.set(items.matrix.subarray(row * dimension, (row + 1) * dimension), index * dimension);
  });
  return matrix;
}
