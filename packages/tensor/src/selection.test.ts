import { FineTuningInput, ItemsSet, SeededRandom } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeaturesExtractor } from './extractor';
import { validateListwise } from '@clicktune/core';
import { buildListwiseBatch, listwiseLoss } from './listwise';
import { LinearAdapter } from './models';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Three items on the unit circle and one query along the x axis.
const items = ItemsSet.fromRecords([
  { id: 'a', embedding: [1, 0] },
  { id: 'b', embedding: [0, 1] },
  { id: 'c', embedding: [-1, 0] },
]);
const queries = ItemsSet.fromRecords([{ id: 'q', embedding: [1, 0] }], { what: 'query' });

describe('listwise term', () => {
  it('is the weighted InfoNCE over shown items, by hand', async () => {
    const session = FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['a'], propensities: { a: 0.5, b: 1, c: 1 } });
    const options = validateListwise({ weight: 1, temperature: 1, catalogueNegatives: 0, hardNegatives: 0 });
    const batch = await buildListwiseBatch([session], items, options, SeededRandom.fromSeed(1), () => []);
    expect(batch).not.toBeNull();
    expect(Array.from(batch?.rowWeight ?? [])).toEqual([2]);
    const model = new LinearAdapter({ inputDimension: 2, queries });
    // cosines 1, 0, −1 at τ = 1: −log(e / (e + 1 + e⁻¹)) = 0.40761.
    const loss = listwiseLoss(model, batch as NonNullable<typeof batch>, items, 1);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(Math.E + 1 + Math.exp(-1)) - 1, 5);
    model.dispose();
  });

  it("excludes the session's other clicks from a row's negatives and clips propensity weights", async () => {
    const session = FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['a', 'b'], propensities: { a: 0.01, b: 1, c: 1 } });
    const batch = await buildListwiseBatch(
      [session],
      items,
      validateListwise({ weight: 1, catalogueNegatives: 0, hardNegatives: 0, propensityClip: 10 }),
      SeededRandom.fromSeed(1),
      () => [],
    );
    expect(Array.from(batch?.rowWeight ?? [])).toEqual([10, 1]);
    // Row 0 (positive a) excludes b; row 1 (positive b) excludes a.
    // Rows × 3 columns, flat: (0, b) = 1 and (1, a) = 3.
    expect(Array.from(batch?.excluded ?? [])).toEqual([1, 3]);
    expect(
      await buildListwiseBatch([FineTuningInput.create({ query: 'q', results: ['a'] })], items, validateListwise({ weight: 1 }), SeededRandom.fromSeed(1), () => []),
    ).toBeNull();
  });

  it('refuses ids the catalogue does not have, in results and in hard negatives, instead of indexing row −1', async () => {
    const options = validateListwise({ weight: 1, catalogueNegatives: 0, hardNegatives: 2 });
    const unknownResult = FineTuningInput.create({ query: 'q', results: ['a', 'zz'], events: ['a'] });
    await expect(buildListwiseBatch([unknownResult], items, options, SeededRandom.fromSeed(1), () => [[]])).rejects.toThrow(/results: 1 unknown item id: "zz"/);
    const session = FineTuningInput.create({ query: 'q', results: ['a', 'b'], events: ['a'] });
    await expect(buildListwiseBatch([session], items, options, SeededRandom.fromSeed(1), () => [['gone']])).rejects.toThrow(/hardNegatives: 1 unknown item id: "gone"/);
  });
});

describe('selection by a criterion', () => {
  it('keeps the untrained weights when no epoch beats them', async () => {
    const model = new LinearAdapter({ inputDimension: 2, queries });
    const before = Array.from(await (model.queryWeights as tf.Variable).data());
    const extractor = new FeaturesExtractor(model, { queries, maxAbsDifference: 2 });
    const sessions = Array.from({ length: 20 }, () => FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['c'], ranks: { a: 3, b: 2, c: 1 } }));
    let calls = 0;
    // A criterion that gets worse with every evaluation: the start must win.
    const trainer = new Trainer(extractor, { epochs: 3, batchSize: 10, learningRate: 0.1, selectBy: { name: 'falling', evaluate: () => 1 - 0.1 * calls++ } });
    const result = await trainer.train(sessions, items, sessions.slice(0, 5));
    expect(result.history.map((record) => record.selectionScore)).toEqual([0.9, 0.8, 0.7]);
    // The kept (untrained) weights scored 1 before training.
    expect(result.bestSelectionScore).toBe(1);
    expect(Array.from(await (model.queryWeights as tf.Variable).data())).toEqual(before);
    trainer.dispose();
    model.dispose();
  });

  it('keeps the best epoch, even below the untrained weights, when the start is not a candidate', async () => {
    const model = new LinearAdapter({ inputDimension: 2, queries });
    const extractor = new FeaturesExtractor(model, { queries, maxAbsDifference: 2 });
    const sessions = Array.from({ length: 20 }, () => FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['c'], ranks: { a: 3, b: 2, c: 1 } }));
    let calls = 0;
    let afterFirstEpoch: number[] = [];
    // Falling again, but the start is never evaluated: epoch 1 (score 1) is the best candidate.
    const trainer = new Trainer(extractor, {
      epochs: 3,
      batchSize: 10,
      learningRate: 0.1,
      selectBy: { name: 'falling', evaluate: () => 1 - 0.1 * calls++, includeInitial: false },
      onEpoch: async (record) => {
        if (record.epoch === 0) afterFirstEpoch = Array.from(await (model.queryWeights as tf.Variable).data());
      },
    });
    const result = await trainer.train(sessions, items, sessions.slice(0, 5));
    expect(result.history.map((record) => record.selectionScore)).toEqual([1, 0.9, 0.8]);
    expect(result.bestSelectionScore).toBe(1);
    expect(afterFirstEpoch).not.toEqual([1, 0, 0, 1]);
    expect(Array.from(await (model.queryWeights as tf.Variable).data())).toEqual(afterFirstEpoch);
    trainer.dispose();
    model.dispose();
  });
});
