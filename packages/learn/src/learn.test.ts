import { selectBackend } from '@clicktune/backends';
import { LinearAdapter } from '@clicktune/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClickCounts } from '@clicktune/confidence';
import { fineTune } from './fine-tune';
import { learnFromClicks } from './learn';
import { learnableTask as task } from './learnable-task.fixture';

/** One held-out split (folds: 1) unless a test asks for cross-fitting. */
const LEARNABLE = { learningRate: 0.05, weightDecay: 0, epochs: 25, validationFraction: 0.25, folds: 1 };

describe('the deployment gate in the recipe', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('deploys a clear gain, with the interval above 0', async () => {
    const { items, queries, sessions } = task(60, 2400);
    const before = tf.memory().numTensors;
    const learned = await learnFromClicks({ sessions, items, queries, settings: LEARNABLE });

    // 15 validation queries; a query whose relevant item drew fewer than 2 clicks is not judged.
    expect(learned.validationSessions).toBeGreaterThan(0);
    expect(learned.decision.comparison?.queries).toBeGreaterThanOrEqual(12);
    expect(learned.decision.comparison?.differenceInterval[0]).toBeGreaterThan(0);
    expect(learned.deployed).toBe(true);
    expect(learned.decision.reason).toMatch(/^1\d judged validation queries, click-judged NDCG@10 .*: deploying the new adapter$/);
    expect(learned.serve).toBeInstanceOf(LinearAdapter);
    (learned.serve as LinearAdapter).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cross-fitting: every query is judged once out of fold, and the clear gain deploys', async () => {
    const { items, queries, sessions } = task(60, 2400);
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const run = await fineTune({ sessions, items, queries, settings: { ...LEARNABLE, folds: 4 }, onEpoch: (record) => void epochs.push(record.epoch) });
    // All 60 queries are validation queries once; most of them are judged (≥ 2 clicks on the relevant item).
    expect(run.decision.comparison?.queries).toBeGreaterThan(45);
    expect(run.decision.deploy).toBe(true);
    expect(run.selection).toMatch(/4-fold cross-fitting/);
    // The served adapter is trained on every list for the chosen number of epochs.
    expect(run.trainingLists).toBeGreaterThan(45);
    expect(epochs).toEqual(Array.from({ length: run.result.history.length }, (_, index) => index));
    expect(run.result.history.length).toBeGreaterThan(0);
    run.adapter.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cross-fitting compares with the model in service out of fold, through the fold adapters that trained it', async () => {
    const { items, queries, sessions } = task(40, 1600);
    const settings = { ...LEARNABLE, epochs: 8, folds: 4 };
    const first = await fineTune({ sessions, items, queries, settings, keepFolds: true });
    expect(first.decision.deploy).toBe(true);
    expect(first.foldAdapters).toHaveLength(4);
    // Retrained on the same logs with the same seed, the candidate's folds are the in-service folds: every query ties.
    const second = await fineTune({ sessions, items, queries, settings, inService: first.adapter, inServiceFolds: first.foldAdapters });
    expect(second.decision.deploy).toBe(false);
    expect(second.decision.comparison?.difference).toBe(0);
    expect(second.decision.comparison?.differing).toBe(0);
    // Scored in sample instead, the model in service has seen every validation query and looks better than it is.
    const inSample = await fineTune({ sessions, items, queries, settings, inService: first.adapter });
    expect(inSample.decision.comparison?.inServiceScore).toBeGreaterThan(second.decision.comparison?.inServiceScore as number);
    await expect(fineTune({ sessions, items, queries, settings, inService: first.adapter, inServiceFolds: first.foldAdapters?.slice(1) })).rejects.toThrow(
      /inServiceFolds has 3 adapters for 4 folds/,
    );
    for (const model of [first.adapter, second.adapter, inSample.adapter, ...(first.foldAdapters ?? [])]) model.dispose();
  });

  it('with patience but no judged validation query, the clicktune method keeps the last epoch, as it says (review defect 6)', async () => {
    const { items, queries, sessions } = task(30, 1200);
    // Training lists from the raw clicks; judgements need 10⁹ clicks on a pair, so no query is judged and nothing can stop or select.
    const lastEpochWeights: number[][] = [];
    const run = await fineTune({
      sessions,
      items,
      queries,
      relevanceFrom: 'events',
      settings: { ...LEARNABLE, epochs: 6, patience: 1, minExamination: 1e9, clickLabels: { minClicks: 1e9 }, gate: { enabled: false } },
      onEpoch: async (_record, adapter) => void lastEpochWeights.push(Array.from(await ((adapter as LinearAdapter).queryWeights as tf.Variable).data())),
    });
    expect(run.selection).toMatch(/^the last epoch/);
    expect(run.result.stoppedEarly).toBe(false);
    expect(run.result.history).toHaveLength(6);
    expect(Array.from(await (run.adapter.queryWeights as tf.Variable).data())).toEqual(lastEpochWeights.at(-1));
    run.adapter.dispose();
  });

  it('cross-fitting keeps the model in service when no epoch count helps', async () => {
    const { items, queries, sessions } = task(30, 1200);
    // A learning rate too small to move the adapter: every epoch ties the untrained one.
    const run = await fineTune({ sessions, items, queries, settings: { ...LEARNABLE, learningRate: 1e-9, epochs: 2, folds: 3 } });
    expect(run.decision.deploy).toBe(false);
    expect(run.decision.reason).toMatch(/keeping the model in service$/);
    run.adapter.dispose();
  });

  it('keeps the model in service when too few validation queries can judge', async () => {
    // 8 queries: 2 held out for validation, too few to tell the models apart with confidence.
    const { items, queries, sessions } = task(8, 400);
    const inService = new LinearAdapter({ inputDimension: items.dimension, queries });
    const learned = await learnFromClicks({ sessions, items, queries, inService, settings: LEARNABLE });
    expect(learned.deployed).toBe(false);
    expect(learned.serve).toBe(inService);
    expect(learned.decision.reason).toMatch(/^2 judged validation queries, .*not enough evidence, keeping the model in service$/);
    inService.dispose();
  });

  it('keeps the identity when no pair has the clicks to be called relevant, and says why', async () => {
    const { items, queries, sessions } = task(20, 20);
    const run = await fineTune({ sessions, items, queries, settings: { ...LEARNABLE, clickLabels: { minClicks: 50 } } });
    expect(run.decision.deploy).toBe(false);
    expect(run.trainingLists).toBe(0);
    expect(run.decision.reason).toMatch(/has the clicks to be called relevant \(≥ 50 clicks.*not enough evidence, keeping the model in service$/);
    run.adapter.dispose();
  });

  it('a labelled selection set with no query says there is nothing to compare on', async () => {
    const { items, queries, sessions } = task(8, 400);
    const run = await fineTune({ sessions, items, queries, settings: LEARNABLE, labelledSelection: { queries: [], relevance: new Map() } });
    expect(run.decision.deploy).toBe(false);
    expect(run.decision.reason).toMatch(/not enough evidence, keeping the model in service$/);
    run.adapter.dispose();
  });

  it('the gate off deploys what training kept (the original behaviour)', async () => {
    const { items, queries, sessions } = task(8, 400);
    const learned = await learnFromClicks({ sessions, items, queries, settings: { ...LEARNABLE, gate: { enabled: false } } });
    expect(learned.deployed).toBe(true);
    expect(learned.decision.reason).toMatch(/the gate is off/);
    (learned.serve as LinearAdapter).dispose();
  });
});

describe('the recipe on a streamed log', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('learns the same from the counts of a stream as from the sessions: same split, lists, history and decision, one split or cross-fitted', async () => {
    const { items, queries, sessions } = task(40, 1600);
    async function* stream() {
      yield* sessions;
    }
    const clicks = await ClickCounts.fromStream(stream());
    for (const settings of [
      { ...LEARNABLE, epochs: 6 },
      { ...LEARNABLE, epochs: 4, folds: 3 },
    ]) {
      const fromSessions = await fineTune({ sessions, items, queries, settings });
      const fromCounts = await fineTune({ clicks, items, queries, settings });
      const { adapter: adapterOfSessions, ...seenFromSessions } = fromSessions;
      const { adapter: adapterOfCounts, ...seenFromCounts } = fromCounts;
      expect(seenFromCounts).toEqual(seenFromSessions);
      // Every session is counted once: split between training and validation, or (cross-fitted) all in both.
      if (settings.folds === 1) expect(fromCounts.trainSessions + fromCounts.validationSessions).toBe(1600);
      else expect([fromCounts.trainSessions, fromCounts.validationSessions]).toEqual([1600, 1600]);
      expect(Array.from(await (adapterOfCounts.queryWeights as tf.Variable).data())).toEqual(Array.from(await (adapterOfSessions.queryWeights as tf.Variable).data()));
      adapterOfSessions.dispose();
      adapterOfCounts.dispose();
    }
  });

  it('the pairwise method and events as relevance need whole sessions, and say so', async () => {
    const { items, queries, sessions } = task(8, 100);
    const clicks = ClickCounts.fromSessions(sessions);
    await expect(fineTune({ clicks, items, queries, settings: { ...LEARNABLE, method: 'pairwise' } })).rejects.toThrow(/the pairwise method needs the sessions themselves/);
    await expect(fineTune({ clicks, items, queries, relevanceFrom: 'events', settings: LEARNABLE })).rejects.toThrow(/relevanceFrom: events needs the sessions/);
    await expect(fineTune({ items, queries, settings: LEARNABLE })).rejects.toThrow(/give the sessions or their click counts/);
  });
});

describe('the validation split says where the sessions landed', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('names a validation query that holds at least half of the validation sessions', async () => {
    const { items, queries, sessions } = task(12, 240);
    // q0 repeated 300 times over: with q0 and q1 held out, q0 has 300 + its own of the validation sessions.
    const q0 = sessions.filter((session) => session.query.kind === 'id' && session.query.id === 'q0');
    const heavy = [...sessions, ...Array.from({ length: 300 }, (_, index) => q0[index % q0.length] as (typeof q0)[number])];
    const q1 = sessions.filter((session) => session.query.kind === 'id' && session.query.id === 'q1').length;
    const plans: Array<{ validationSessions: number; dominantValidationQuery?: { query: string; sessions: number } }> = [];
    const run = await fineTune({
      sessions: heavy,
      items,
      queries,
      validationQueries: new Set(['id:q0', 'id:q1']),
      settings: { ...LEARNABLE, epochs: 1 },
      onPlan: (plan) => void plans.push(plan),
    });
    expect(plans[0]?.validationSessions).toBe(q0.length + 300 + q1);
    expect(plans[0]?.dominantValidationQuery).toEqual({ query: 'id:q0', sessions: q0.length + 300 });
    run.adapter.dispose();
    // Spread evenly, no query dominates.
    const even = await fineTune({ sessions, items, queries, validationQueries: new Set(['id:q0', 'id:q1', 'id:q2']), settings: { ...LEARNABLE, epochs: 1 } });
    expect(even.dominantValidationQuery).toBeUndefined();
    even.adapter.dispose();
  });
});
