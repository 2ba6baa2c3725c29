import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuningInput, ItemsSet } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulatedTask } from '../test/simulated-task';
import { FeaturesExtractor } from './extractor';
import { inBatchInfoNce } from './losses';
import { LinearAdapter } from './models';
import { learningRateAt } from './schedule';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function setup(seed = 3) {
  const task = simulatedTask({ seed, dimension: 6, items: 50, queries: 20, sessions: 120, listLength: 8, positionBias: false });
  const model = new LinearAdapter({ inputDimension: 6, queries: task.queries });
  const extractor = new FeaturesExtractor(model, { queries: task.queries, maxAbsDifference: 2, seed });
  return { task, model, extractor };
}

describe('learning-rate schedules', () => {
  it('step as documented', () => {
    expect(learningRateAt(1, { kind: 'constant' }, 50, 100)).toBe(1);
    expect(learningRateAt(1, { kind: 'linear' }, 50, 100)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(1, { kind: 'cosine' }, 50, 100)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(1, { kind: 'cosine', warmupSteps: 10 }, 4, 100)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(1, { kind: 'step', every: 10, factor: 0.5 }, 25, 100)).toBe(0.25);
  });

  it('the trainer sets the scheduled rate on the optimizers before each step (ORIGINAL_BUGS T2/T3)', async () => {
    const { task, model, extractor } = setup();
    const rates: number[] = [];
    const trainer = new Trainer(extractor, { epochs: 1, batchSize: 30, learningRate: 0.1, optimizer: 'sgd', schedule: { kind: 'step', every: 1, factor: 0.5 }, onBatch: () => rates.push(trainer.currentLearningRates().query as number) });
    await trainer.train(task.sessions, task.items);
    expect(rates).toEqual([0.1, 0.05, 0.025, 0.0125]);
    trainer.dispose();
    model.dispose();
  });
});

describe('Trainer', () => {
  it('skips a batch with no pair without moving any weight (E18)', async () => {
    const items = ItemsSet.fromRecords([{ id: 'a', embedding: [1, 0] }, { id: 'b', embedding: [0, 1] }]);
    const model = new LinearAdapter({ inputDimension: 2 });
    const extractor = new FeaturesExtractor(model, { minAbsDifference: 0.5, maxAbsDifference: 0.6 });
    const trainer = new Trainer(extractor, { optimizer: 'adam', learningRate: 0.1 });
    const before = Array.from(await (model.queryWeights as tf.Variable).data());
    // |cos(q, a) − cos(q, b)| = 1 is outside (0.5, 0.6): the only pair is filtered away.
    const result = await trainer.step([FineTuningInput.create({ query: { embedding: [1, 0] }, results: ['a', 'b'], events: ['a'], ranks: { a: 1, b: 0 } })], items);
    expect(result).toEqual({ loss: 0, keptPairs: 0, skipped: true });
    expect(Array.from(await (model.queryWeights as tf.Variable).data())).toEqual(before);
    trainer.dispose();
    model.dispose();
  });

  it('early stopping watches the validation loss and restores the best weights', async () => {
    const { task, model, extractor } = setup(4);
    const trainer = new Trainer(extractor, { epochs: 30, batchSize: 20, learningRate: 0.3, optimizer: 'sgd', loss: { kind: 'hinge', margin: 1 }, earlyStopping: { patience: 2 } });
    const validation = task.sessions.slice(0, 30);
    const result = await trainer.train(task.sessions.slice(30), task.items, validation);
    const losses = result.history.map((record) => record.validationLoss as number);
    if (result.stoppedEarly) {
      expect(result.history.length).toBeLessThan(30);
      expect(await trainer.validationLoss(validation, task.items)).toBeCloseTo(Math.min(...losses), 5);
    } else {
      expect(result.history).toHaveLength(30);
    }
    expect(result.bestValidationLoss).toBeCloseTo(Math.min(...losses), 6);
    trainer.dispose();
    model.dispose();
  });

  it('resuming from a checkpoint gives the same weights as training straight through', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'clicktune-trainer-'));
    const straight = setup(6);
    const full = new Trainer(straight.extractor, { epochs: 4, batchSize: 25, learningRate: 0.01, seed: 2 });
    await full.train(straight.task.sessions, straight.task.items);
    const expected = Array.from(await (straight.model.queryWeights as tf.Variable).data());

    const first = setup(6);
    const controller = new AbortController();
    const checkpointPath = join(folder, 'checkpoint.safetensors');
    let batches = 0;
    // Run two whole epochs, then stop.
    const stopAfterTwo = new Trainer(first.extractor, {
      epochs: 2,
      batchSize: 25,
      learningRate: 0.01,
      seed: 2,
      checkpointPath,
      onBatch: () => {
        batches += 1;
      },
    });
    await stopAfterTwo.train(first.task.sessions, first.task.items);
    expect(batches).toBe(10);
    stopAfterTwo.dispose();

    const second = setup(6);
    const resumed = new Trainer(second.extractor, { epochs: 4, batchSize: 25, learningRate: 0.01, seed: 2, resumeFrom: checkpointPath, signal: controller.signal });
    const result = await resumed.train(second.task.sessions, second.task.items);
    expect(result.history).toHaveLength(4);
    const actual = Array.from(await (second.model.queryWeights as tf.Variable).data());
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index] as number, 5));
    for (const trainer of [full, resumed]) trainer.dispose();
    for (const run of [straight, first, second]) run.model.dispose();
  });

  it('stops after the current step when aborted, and says so', async () => {
    const { task, model, extractor } = setup(7);
    const controller = new AbortController();
    let batches = 0;
    const trainer = new Trainer(extractor, {
      epochs: 5,
      batchSize: 10,
      signal: controller.signal,
      onBatch: () => {
        batches += 1;
        if (batches === 3) controller.abort();
      },
    });
    const result = await trainer.train(task.sessions, task.items);
    expect(result.interrupted).toBe(true);
    expect(batches).toBe(3);
    trainer.dispose();
    model.dispose();
  });

  it('validates its options', () => {
    const { model, extractor } = setup();
    expect(() => new Trainer(extractor, { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new Trainer(extractor, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new Trainer(extractor, { optimizer: 'rmsprop' as never })).toThrow(/optimizer/);
    expect(() => new Trainer(extractor, { loss: { kind: 'magic' } as never })).toThrow(/unknown loss/);
    model.dispose();
  });
});

describe('in-batch InfoNCE', () => {
  it('equals −log softmax of the positive by hand, and 0 for no rows', () => {
    // Row [2, 0], positive 0, temperature 1: −log(e²/(e² + 1)) = 0.126928.
    const loss = inBatchInfoNce(tf.tensor2d([[2, 0]]), Int32Array.of(0), { temperature: 1 });
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 5);
    expect(inBatchInfoNce(tf.tensor2d([[2, 0]]), new Int32Array(0)).dataSync()[0]).toBe(0);
  });
});
