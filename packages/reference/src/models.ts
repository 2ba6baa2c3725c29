import { baseItemVectors, baseQueryVectors, DimensionMismatchError, type ItemsSet, type QueryReference } from '@clicktune/core';

/**
 * What the reference extractor needs of a model: row-major matrices of query
 * and item vectors. No gradients: the reference computes values only.
 */
export interface ReferenceModel {
  embedQueries(queries: readonly QueryReference[]): Float32Array;
  embedItems(rows: Int32Array, items: ItemsSet): Float32Array;
}

/** x·W for row vectors x (n × input) and W (input × output), row-major. */
export function multiply(vectors: Float32Array, rows: number, weights: Float32Array, inputDimension: number, outputDimension: number): Float32Array {
  if (weights.length !== inputDimension * outputDimension) {
    throw new DimensionMismatchError(`weights have ${weights.length} values, expected ${inputDimension} × ${outputDimension}`);
  }
  const out = new Float32Array(rows * outputDimension);
  for (let row = 0; row < rows; row += 1) {
    for (let inner = 0; inner < inputDimension; inner += 1) {
      const value = vectors[row * inputDimension + inner] as number;
      if (value === 0) continue;
      const weightRow = inner * outputDimension;
      const outRow = row * outputDimension;
      for (let column = 0; column < outputDimension; column += 1) {
        out[outRow + column] = (out[outRow + column] as number) + value * (weights[weightRow + column] as number);
      }
    }
  }
  return out;
}

/** The frozen base embeddings themselves (an identity adapter). */
export function baseEmbeddingModel(options: { queries?: ItemsSet } = {}): ReferenceModel {
  return {
    embedQueries: (queries) => {
      const dimension = options.queries?.dimension || (queries.find((query) => query.kind === 'embedding') as { embedding: Float32Array } | undefined)?.embedding.length || 0;
      return baseQueryVectors(queries, options.queries, dimension);
    },
    embedItems: (rows, items) => baseItemVectors(rows, items),
  };
}

/**
 * A linear adapter per tower over base embeddings: query = x·W_q, item =
 * x·W_i (either may be omitted for identity). The reference twin of the
 * tensor package's adapter, used to check it.
 */
export function linearAdapterModel(options: {
  queries?: ItemsSet;
  inputDimension: number;
  outputDimension: number;
  queryWeights?: Float32Array;
  itemWeights?: Float32Array;
}): ReferenceModel {
  const { inputDimension, outputDimension } = options;
  const apply = (vectors: Float32Array, rows: number, weights?: Float32Array) => (weights ? multiply(vectors, rows, weights, inputDimension, outputDimension) : vectors);
  return {
    embedQueries: (queries) => apply(baseQueryVectors(queries, options.queries, inputDimension), queries.length, options.queryWeights),
    embedItems: (rows, items) => apply(baseItemVectors(rows, items), rows.length, options.itemWeights),
  };
}
