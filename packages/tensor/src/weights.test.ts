import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickTuneError, decodeSafetensors, encodeSafetensors, ItemsSet } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearAdapter } from './models';
import { decodeAdapter, decodeFoldAdapters, encodeAdapter, encodeFoldAdapters, loadAdapter, saveAdapter } from './weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('adapter weights (safetensors)', () => {
  it('stores [output, input] matrices (PyTorch nn.Linear layout) and round-trips', async () => {
    const adapter = new LinearAdapter({
      inputDimension: 2,
      outputDimension: 3,
      initialWeights: { query: Float32Array.of(1, 2, 3, 4, 5, 6), item: Float32Array.of(0, 0, 1, 1, 0, 0) },
    });
    const bytes = await encodeAdapter(adapter, { note: 'test' });
    const { tensors, metadata } = decodeSafetensors(bytes);
    // W (2 × 3, x·W) = [[1, 2, 3], [4, 5, 6]] → weight = Wᵀ (3 × 2) = [[1, 4], [2, 5], [3, 6]].
    expect(tensors.get('query_adapter.weight')?.shape).toEqual([3, 2]);
    expect(Array.from(tensors.get('query_adapter.weight')?.data ?? [])).toEqual([1, 4, 2, 5, 3, 6]);
    expect(metadata).toMatchObject({ format: 'clicktune-linear-adapter', towers: 'both', inputDimension: '2', outputDimension: '3', note: 'test' });
    const again = decodeAdapter(bytes);
    expect(Array.from(await (again.queryWeights as tf.Variable).data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await (again.itemWeights as tf.Variable).data())).toEqual([0, 0, 1, 1, 0, 0]);
    adapter.dispose();
    again.dispose();
  });

  it('an identity adapter ranks as the base embeddings; shared and one-tower forms save what they have', async () => {
    const items = ItemsSet.fromRecords([{ id: 'a', embedding: [3, 4] }]);
    const adapter = new LinearAdapter({ inputDimension: 2, shared: true });
    expect(Array.from(adapter.embedItems(Int32Array.of(0), items).dataSync())).toEqual([3, 4]);
    expect(decodeSafetensors(await encodeAdapter(adapter)).tensors.size).toBe(1);
    const queryOnly = new LinearAdapter({ inputDimension: 2, towers: 'query' });
    expect(queryOnly.trainableVariables()).toHaveLength(1);
    expect(decodeAdapter(await encodeAdapter(queryOnly)).towers).toBe('query');
    adapter.dispose();
    queryOnly.dispose();
  });

  it('writes atomically and rejects files that are not ClickTune adapters', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-weights-'));
    const adapter = new LinearAdapter({ inputDimension: 2, residual: true });
    await saveAdapter(adapter, join(folder, 'adapter.safetensors'));
    expect(readdirSync(folder)).toEqual(['adapter.safetensors']);
    const loaded = await loadAdapter(join(folder, 'adapter.safetensors'));
    expect(loaded.residual).toBe(true);
    const foreign = encodeSafetensors(new Map([['w', { shape: [1], data: Float32Array.of(1) }]]), { format: 'other' });
    expect(() => decodeAdapter(foreign, { file: 'x.safetensors' })).toThrow(/x\.safetensors: not a ClickTune adapter/);
    const wrongShape = encodeSafetensors(new Map([['query_adapter.weight', { shape: [3, 2], data: new Float32Array(6) }]]), {
      format: 'clicktune-linear-adapter',
      version: '1',
      towers: 'query',
      shared: 'false',
      residual: 'false',
      inputDimension: '2',
      outputDimension: '2',
    });
    try {
      decodeAdapter(wrongShape);
      expect.unreachable();
    } catch (error) {
      expect(ClickTuneError.isInstance(error) && error.code).toBe('invalid-weights');
    }
    adapter.dispose();
    loaded.dispose();
  });

  it('validates adapter options', () => {
    expect(() => new LinearAdapter({ inputDimension: 0 })).toThrow(/inputDimension/);
    expect(() => new LinearAdapter({ inputDimension: 2, outputDimension: 3, residual: true })).toThrow(/residual/);
    expect(() => new LinearAdapter({ inputDimension: 2, towers: 'item', shared: true })).toThrow(/shared/);
    expect(() => new LinearAdapter({ inputDimension: 2, initialWeights: { query: new Float32Array(3) } })).toThrow(/3 values/);
  });
});

describe('non-finite adapter weights', () => {
  it('are refused on save and on load', async () => {
    const adapter = new LinearAdapter({ inputDimension: 2, initialWeights: { query: Float32Array.of(1, Number.NaN, 0, 1), item: Float32Array.of(1, 0, 0, 1) } });
    await expect(encodeAdapter(adapter)).rejects.toThrow(/query_adapter\.weight has a non-finite value \(NaN at index 1\)/);
    adapter.dispose();
    const finite = new LinearAdapter({ inputDimension: 2 });
    const { tensors, metadata } = decodeSafetensors(await encodeAdapter(finite));
    finite.dispose();
    (tensors.get('item_adapter.weight') as { data: Float32Array }).data[3] = Number.POSITIVE_INFINITY;
    expect(() => decodeAdapter(encodeSafetensors(tensors, metadata), { file: 'a.safetensors' })).toThrow(
      /a\.safetensors.*item_adapter\.weight has a non-finite value \(Infinity at index 3\)/,
    );
  });
});

describe('fold adapters (one file for a cross-fitted run)', () => {
  it('round-trips each fold with its own weights, named fold<k>.<tower>_adapter.weight', async () => {
    const folds = [Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8)].map(
      (query, index) => new LinearAdapter({ inputDimension: 2, initialWeights: { query, item: Float32Array.of(index, 0, 0, 1) } }),
    );
    const bytes = await encodeFoldAdapters(folds, { seed: '7' });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect([...tensors.keys()].sort()).toEqual(['fold0.item_adapter.weight', 'fold0.query_adapter.weight', 'fold1.item_adapter.weight', 'fold1.query_adapter.weight']);
    expect(metadata).toMatchObject({ format: 'clicktune-fold-adapters', folds: '2', seed: '7', towers: 'both' });
    // Stored [output, input]: fold 1's query matrix x·W with W = [[5, 6], [7, 8]] is stored transposed.
    expect(Array.from(tensors.get('fold1.query_adapter.weight')?.data ?? [])).toEqual([5, 7, 6, 8]);
    const back = decodeFoldAdapters(bytes);
    expect(back).toHaveLength(2);
    expect(Array.from(await ((back[1] as LinearAdapter).queryWeights as tf.Variable).data())).toEqual([5, 6, 7, 8]);
    expect(Array.from(await ((back[0] as LinearAdapter).itemWeights as tf.Variable).data())).toEqual([0, 0, 0, 1]);
    for (const adapter of [...folds, ...back]) adapter.dispose();
  });

  it('refuses an adapter file, a missing fold and a non-finite weight, disposing what it made', async () => {
    const adapter = new LinearAdapter({ inputDimension: 2 });
    const single = await encodeAdapter(adapter);
    expect(() => decodeFoldAdapters(single, { file: 'folds.safetensors' })).toThrow(/folds\.safetensors: not a ClickTune fold-adapters file \(format "clicktune-linear-adapter"\)/);
    const good = decodeSafetensors(await encodeFoldAdapters([adapter, adapter]));
    const before = tf.memory().numTensors;
    const missing = new Map([...good.tensors].filter(([name]) => !name.startsWith('fold1.')));
    expect(() => decodeFoldAdapters(encodeSafetensors(missing, good.metadata))).toThrow(/query_adapter\.weight is missing/);
    const poisoned = new Map(good.tensors);
    poisoned.set('fold1.item_adapter.weight', { shape: [2, 2], data: Float32Array.of(1, Number.NaN, 0, 1) });
    expect(() => decodeFoldAdapters(encodeSafetensors(poisoned, good.metadata))).toThrow(/item_adapter\.weight has a non-finite value/);
    expect(tf.memory().numTensors).toBe(before);
    adapter.dispose();
  });
});
