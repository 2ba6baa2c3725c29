import type { ActiveBackend } from '@clicktune/backends';
import { planBatch, SeededRandom } from '@clicktune/core';
import { FeaturesExtractor as ReferenceExtractor, linearAdapterModel, probMarginRankingLoss as referenceLoss } from '@clicktune/reference';
import { disposeTensorFeatures, FeaturesExtractor, LinearAdapter, probMarginRankingLoss, Trainer } from '@clicktune/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { Bench } from 'tinybench';
import type { Workload, WorkloadShape } from './workload';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'plan';

/** One row of the results (see README for the JSON schema). */
export interface Measurement {
  readonly backend: string;
  readonly backendDetail: string;
  readonly workload: WorkloadName;
  readonly shape: WorkloadShape;
  /** Sessions per second: sessions in the workload ÷ median time of one pass. */
  readonly sessionsPerSecond: number;
  readonly medianMs: number;
  readonly samples: number;
  /** Median time of the adapter matmuls alone for the same pass (W1, W2), or null. */
  readonly matmulMs: number | null;
  /** matmulMs ÷ medianMs: the share of the step that is the unavoidable matmul work. */
  readonly rooflineFraction: number | null;
  /** Peak bytes of one batch step (tf.profile), or null for the reference. */
  readonly peakBytes: number | null;
  /** Growth of tf.memory().numTensors over the timed passes: 0 means nothing leaks. */
  readonly tensorGrowth: number | null;
  /** Mean loss over the workload's batches (W3), for agreement with the reference. */
  readonly meanLoss: number | null;
}

export interface MeasureOptions {
  iterations: number;
  warmupIterations: number;
}

async function medianMs(name: string, run: () => void | Promise<void>, options: MeasureOptions): Promise<{ median: number; samples: number }> {
  const bench = new Bench({ iterations: options.iterations, warmupIterations: options.warmupIterations, time: 0, warmupTime: 0 });
  bench.add(name, run);
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (!result || result.state !== 'completed')
    throw new Error(`benchmark ${name} did not complete: ${result?.state}${result && 'error' in result ? ` (${result.error.message})` : ''}`);
  return { median: result.latency.p50, samples: result.latency.samplesCount };
}

/** A measurement row; what a workload does not measure is null. */
function measurement(
  backend: { name: string; detail: string },
  workload: WorkloadName,
  data: Workload,
  timing: { median: number; samples: number },
  extra: Partial<Pick<Measurement, 'matmulMs' | 'rooflineFraction' | 'peakBytes' | 'tensorGrowth' | 'meanLoss'>> = {},
): Measurement {
  return {
    backend: backend.name,
    backendDetail: backend.detail,
    workload,
    shape: data.shape,
    sessionsPerSecond: data.sessions.length / (timing.median / 1000),
    medianMs: timing.median,
    samples: timing.samples,
    matmulMs: null,
    rooflineFraction: null,
    peakBytes: null,
    tensorGrowth: null,
    meanLoss: null,
    ...extra,
  };
}

const extractorOptions = { maxAbsDifference: 2, negativeDownsamplingFactor: 1 } as const;

/** The adapter matmuls of one pass, alone: forward x·W and the weight gradient xᵀ·g (explicit transpose, as the step does) for each adapted tower. */
function matmulPass(workload: Workload, towers: 'both' | 'query'): { run: () => Promise<void>; dispose: () => void } {
  const dimension = workload.shape.dimension;
  const weights = tf.keep(tf.randomNormal([dimension, dimension]));
  const perBatch = workload.batches.map((batch) => {
    const parts = batch.length * workload.shape.results;
    return {
      items: tf.keep(tf.randomNormal([parts, dimension])),
      itemGradient: tf.keep(tf.randomNormal([parts, dimension])),
      queries: tf.keep(tf.randomNormal([batch.length, dimension])),
      queryGradient: tf.keep(tf.randomNormal([batch.length, dimension])),
    };
  });
  const run = async () => {
    for (const batch of perBatch) {
      const outputs = tf.tidy(() => {
        // The step's own form: x·W forward, transpose(x)·g for the weight gradient.
        const results = [tf.matMul(batch.queries, weights), tf.matMul(tf.transpose(batch.queries), batch.queryGradient)];
        if (towers === 'both') results.push(tf.matMul(batch.items, weights), tf.matMul(tf.transpose(batch.items), batch.itemGradient));
        return tf.addN(results.map((result) => tf.sum(result)));
      });
      await outputs.data();
      outputs.dispose();
    }
  };
  return { run, dispose: () => tf.dispose([weights, ...perBatch.flatMap((batch) => Object.values(batch))]) };
}

/** W1 (both towers) / W2 (query tower only): forward + loss + backward + SGD step, batch by batch. */
export async function measureTraining(workload: Workload, which: 'W1' | 'W2', backend: ActiveBackend, options: MeasureOptions): Promise<Measurement> {
  const towers = which === 'W1' ? 'both' : 'query';
  const model = new LinearAdapter({ inputDimension: workload.shape.dimension, towers, queries: workload.queries });
  const extractor = new FeaturesExtractor(model, { ...extractorOptions, queries: workload.queries });
  const trainer = new Trainer(extractor, { optimizer: 'sgd', learningRate: 0.01, batchSize: workload.shape.batchSize, loss: { kind: 'probMargin', margin: 0.1 } });
  const pass = async () => {
    for (const batch of workload.batches) await trainer.step(batch, workload.items);
  };
  const profile = await tf.profile(async () => {
    await trainer.step(workload.batches[0] ?? [], workload.items);
  });
  const tensorsBefore = tf.memory().numTensors;
  const timing = await medianMs(`${backend.name} ${which}`, pass, options);
  const tensorGrowth = tf.memory().numTensors - tensorsBefore;
  const matmul = matmulPass(workload, towers);
  const matmulTiming = await medianMs(`${backend.name} ${which} matmul`, matmul.run, options);
  matmul.dispose();
  trainer.dispose();
  model.dispose();
  return measurement(backend, which, workload, timing, {
    matmulMs: matmulTiming.median,
    rooflineFraction: matmulTiming.median / timing.median,
    peakBytes: profile.peakBytes,
    tensorGrowth,
  });
}

/** W3: features + loss with the identity adapter on both towers, no gradient. */
export async function measureInference(workload: Workload, backend: ActiveBackend, options: MeasureOptions): Promise<Measurement> {
  if (backend.tfjsBackend === null) return measureReferenceInference(workload, backend, options);
  const model = new LinearAdapter({ inputDimension: workload.shape.dimension, queries: workload.queries });
  const extractor = new FeaturesExtractor(model, { ...extractorOptions, queries: workload.queries });
  const loss = probMarginRankingLoss({ margin: 0.1 });
  let lossSum = 0;
  const pass = async () => {
    extractor.reseed();
    lossSum = 0;
    for (const batch of workload.batches) {
      const { features } = extractor.forward(batch, workload.items);
      const value = loss.compute(features);
      lossSum += (await value.data())[0] as number;
      value.dispose();
      disposeTensorFeatures(features);
    }
  };
  await pass();
  const tensorsBefore = tf.memory().numTensors;
  const timing = await medianMs(`${backend.name} W3`, pass, options);
  const tensorGrowth = tf.memory().numTensors - tensorsBefore;
  model.dispose();
  return measurement(backend, 'W3', workload, timing, { tensorGrowth, meanLoss: lossSum / workload.batches.length });
}

/** W3 on the reference executor (plain loops). */
export async function measureReferenceInference(workload: Workload, backend: { name: string; detail: string }, options: MeasureOptions): Promise<Measurement> {
  const dimension = workload.shape.dimension;
  const identity = new Float32Array(dimension * dimension);
  for (let index = 0; index < dimension; index += 1) identity[index * dimension + index] = 1;
  // The same work as the tensor W3: both towers pass through a (here identity) d × d adapter.
  const model = linearAdapterModel({ queries: workload.queries, inputDimension: dimension, outputDimension: dimension, queryWeights: identity, itemWeights: identity });
  const extractor = new ReferenceExtractor(model, extractorOptions);
  let lossSum = 0;
  const pass = () => {
    extractor.reseed();
    lossSum = 0;
    for (const batch of workload.batches) lossSum += referenceLoss(extractor.forward(batch, workload.items).features, { margin: 0.1 });
  };
  const timing = await medianMs(`${backend.name} W3`, pass, options);
  return measurement(backend, 'W3', workload, timing, { meanLoss: lossSum / workload.batches.length });
}

/** Plan building alone (no model): the planner's throughput. */
export async function measurePlanning(workload: Workload, options: MeasureOptions): Promise<Measurement> {
  const reference = new ReferenceExtractor(linearAdapterModel({ inputDimension: 1, outputDimension: 1 }), extractorOptions);
  const planOptions = reference.options.plan;
  const pass = () => {
    const random = SeededRandom.fromSeed(1);
    for (const batch of workload.batches) planBatch(batch, workload.items, planOptions, random, { queries: workload.queries });
  };
  const timing = await medianMs('plan', pass, options);
  return measurement({ name: 'planner', detail: 'BatchPlanner (pure TS)' }, 'plan', workload, timing);
}
