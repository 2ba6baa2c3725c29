import { describe, expect, it } from 'vitest';
import { ClickTuneError, MissingItemsError } from './errors';
import { ItemsSet } from './items';

describe('ItemsSet', () => {
  const set = ItemsSet.fromRecords([
    { id: 'a', embedding: [1, 0] },
    { id: 2, embedding: [0, 1] },
    { id: '__proto__', embedding: [1, 1] },
  ]);

  it('stores rows contiguously and looks them up by id (numbers normalised)', () => {
    expect(set.size).toBe(3);
    expect(set.dimension).toBe(2);
    expect(Array.from(set.embeddingOf('2'))).toEqual([0, 1]);
    expect(Array.from(set.embeddingOf('__proto__'))).toEqual([1, 1]);
    expect(set.rowOf('missing')).toBe(-1);
    expect(Array.from(set.matrix)).toEqual([1, 0, 0, 1, 1, 1]);
  });

  it('itemsByIds keeps the order asked for', () => {
    expect(set.itemsByIds(['__proto__', 'a']).map((item) => item.id)).toEqual(['__proto__', 'a']);
  });

  it('itemsByIds fails once listing all missing ids, or skips them when asked', () => {
    let caught: unknown;
    try {
      set.itemsByIds(['a', 'x', 'y', 'x']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingItemsError);
    expect((caught as MissingItemsError).missingIds).toEqual(['x', 'y']);
    expect(set.itemsByIds(['x', 'a', 'y'], { skipMissing: true }).map((item) => item.id)).toEqual(['a']);
  });

  it('holds text-only items', () => {
    const texts = ItemsSet.fromRecords([{ id: 't', text: 'hello' }]);
    expect(texts.dimension).toBe(0);
    expect(texts.textOf('t')).toBe('hello');
  });

  const bad: Array<[string, () => unknown, string]> = [
    [
      'dimension mismatch',
      () =>
        ItemsSet.fromRecords([
          { id: 'a', embedding: [1] },
          { id: 'b', embedding: [1, 2] },
        ]),
      'dimension-mismatch',
    ],
    [
      'duplicate id',
      () =>
        ItemsSet.fromRecords([
          { id: 'a', embedding: [1] },
          { id: 'a', embedding: [2] },
        ]),
      'invalid-item',
    ],
    ['NaN in a matrix', () => ItemsSet.fromEmbeddings(['a'], Float32Array.of(Number.NaN), 1), 'invalid-item'],
    ['matrix size', () => ItemsSet.fromEmbeddings(['a', 'b'], new Float32Array(3), 2), 'dimension-mismatch'],
    [
      'mixed embedding and none',
      () =>
        ItemsSet.fromRecords([
          { id: 'a', embedding: [1] },
          { id: 'b', text: 'x' },
        ]),
      'invalid-item',
    ],
  ];
  it.each(bad)('%s is rejected with %s', (_name, build, code) => {
    try {
      build();
      expect.unreachable();
    } catch (error) {
      expect(ClickTuneError.isInstance(error) && error.code).toBe(code);
    }
  });
});
