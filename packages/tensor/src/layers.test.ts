import { FineTuningInput, ItemsSet } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as layers from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeaturesExtractor } from './extractor';
import { toFeatures } from './features';
import { layersModelAdapter } from './models';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a user’s tfjs-layers model as the query tower', () => {
  const items = ItemsSet.fromRecords([
    { id: 'a', embedding: [1, 0] },
    { id: 'b', embedding: [0, 1] },
    { id: 'c', embedding: [0.6, 0.8] },
  ]);
  const session = FineTuningInput.create({ query: { embedding: [1, 0] }, results: ['a', 'b', 'c'], events: ['b'], ranks: { a: 3, b: 2, c: 1 } });

  function identityDense() {
    const model = layers.sequential({ layers: [layers.layers.dense({ units: 2, inputShape: [2], useBias: false, kernelInitializer: 'identity' })] });
    return model;
  }

  it('ranks as the base embeddings while the dense layer is the identity', async () => {
    const model = layersModelAdapter({ queryModel: identityDense(), inputDimension: 2 });
    expect(model.trainsTower('query')).toBe(true);
    expect(model.trainsTower('item')).toBe(false);
    const features = await new FeaturesExtractor(model, { maxAbsDifference: 2 }).getFineTuningFeatures(session, items);
    // Query [1, 0]: cos(b) = 0, cos(a) = 1, cos(c) = 0.6.
    expect(Array.from(features.positiveRanks)).toEqual([0, 0]);
    expect(Array.from(features.negativeRanks).map((value) => Number(value.toFixed(6)))).toEqual([1, 0.6]);
  });

  it('trains the layers model’s own weights', async () => {
    const dense = identityDense();
    const model = layersModelAdapter({ queryModel: dense, inputDimension: 2 });
    const before = Array.from(await (dense.trainableWeights[0] as layers.LayerVariable).read().data());
    const trainer = new Trainer(new FeaturesExtractor(model, { maxAbsDifference: 2 }), { epochs: 40, batchSize: 4, optimizer: 'sgd', learningRate: 0.5 });
    await trainer.train(
      Array.from({ length: 8 }, () => session),
      items,
    );
    const after = Array.from(await (dense.trainableWeights[0] as layers.LayerVariable).read().data());
    expect(after).not.toEqual(before);
    const features = await toFeatures(new FeaturesExtractor(model, { maxAbsDifference: 2 }).forward([session], items).features);
    // The clicked b now outranks a.
    expect((features.positiveRanks[0] as number) > (features.negativeRanks[0] as number)).toBe(true);
    trainer.dispose();
  });
});
