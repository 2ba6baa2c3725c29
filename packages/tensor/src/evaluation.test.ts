import { ItemsSet, SeededRandom } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogueEmbeddings, retrieveTopK } from './evaluation';
import { LinearAdapter } from './models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function task() {
  const random = SeededRandom.fromSeed(11);
  const values = (count: number) => Float32Array.from({ length: count }, () => random.nextFloat() * 2 - 1);
  const items = ItemsSet.fromEmbeddings(
    Array.from({ length: 30 }, (_, index) => `i${index}`),
    values(90),
    3,
  );
  const queries = ItemsSet.fromEmbeddings(['a', 'b', 'c', 'd', 'e'], values(15), 3, { what: 'query' });
  const model = new LinearAdapter({ inputDimension: 3, queries, initialWeights: { query: values(9), item: values(9) } });
  return { items, queries: queries.ids.map((id) => ({ kind: 'id', id }) as const), model };
}

describe('retrieveTopK', () => {
  it.each(['cosine', 'dot', 'euclidean'] as const)('ranks a catalogue in chunks exactly as in one piece (%s)', async (ranker) => {
    const { items, queries, model } = task();
    const whole = await retrieveTopK(model, queries, items, { k: 8, ranker });
    for (const itemChunkSize of [7, 29, 1]) expect(await retrieveTopK(model, queries, items, { k: 8, ranker, itemChunkSize, chunkSize: 2 })).toEqual(whole);
    // And k above a chunk's size.
    expect(await retrieveTopK(model, queries, items, { k: 12, ranker, itemChunkSize: 5 })).toEqual(await retrieveTopK(model, queries, items, { k: 12, ranker }));
    model.dispose();
  });

  it('with rows: the top k among those rows only, named by their catalogue ids', async () => {
    const { items, queries, model } = task();
    const all = await retrieveTopK(model, queries, items, { k: 30 });
    const rows = Int32Array.of(3, 17, 4, 25, 9);
    const vectors = tf.tidy(() => model.embedItems(rows, items));
    const within = await retrieveTopK(model, queries, items, { k: 3, itemVectors: vectors, rows });
    const allowed = new Set([...rows].map((row) => items.ids[row]));
    // The whole catalogue's ranking, filtered to the rows, cut at 3.
    within.forEach((list, query) => {
      expect(list.map((entry) => entry.id)).toEqual(
        (all[query] ?? [])
          .filter((entry) => allowed.has(entry.id))
          .slice(0, 3)
          .map((entry) => entry.id),
      );
    });
    await expect(retrieveTopK(model, queries, items, { rows })).rejects.toThrow(/5 rows need their 5 item vectors/);
    vectors.dispose();
    const catalogue = catalogueEmbeddings(model, items);
    expect(await retrieveTopK(model, queries, items, { k: 8, itemVectors: catalogue })).toEqual(await retrieveTopK(model, queries, items, { k: 8 }));
    catalogue.dispose();
    model.dispose();
  });
});
