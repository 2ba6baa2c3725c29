import { distanceShift, FineTuningFeatures, FineTuningInput, ItemsSet, pairRelevantWithIrrelevant, isTestSessionByItems } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { c10Items, c10Session } from '@clicktune/test-fixtures';
import { FeaturesExtractor } from './extractor';
import { cosineProbMarginRankingLoss, probMarginRankingLoss } from './losses';
import { baseEmbeddingModel } from './models';

function pairs(positive: number[], negative: number[], positiveConfidences: number[], negativeConfidences: number[], target: number[]): FineTuningFeatures {
  return new FineTuningFeatures({
    positiveRanks: Float32Array.from(positive),
    negativeRanks: Float32Array.from(negative),
    positiveConfidences: Float32Array.from(positiveConfidences),
    negativeConfidences: Float32Array.from(negativeConfidences),
    target: Float32Array.from(target),
    sessionIndex: new Int32Array(positive.length),
    positiveObjectIds: positive.map(() => 'p'),
    negativeObjectIds: negative.map(() => 'n'),
  });
}

describe('losses (CASES C5–C7)', () => {
  const c5 = pairs([0.8, 0.6], [0.5, 0.7], [1, 1], [1, 0.5], [1, 1]);
  it('C5: ProbMarginRankingLoss, margin 0.1 → 0.3625', () => {
    expect(probMarginRankingLoss(c5, { margin: 0.1 })).toBeCloseTo(0.3625, 4);
  });
  it('C5: distance variant → 0.4256', () => {
    expect(probMarginRankingLoss(pairs([0.2], [0.6], [1], [1], [-1]), { margin: 0.1 })).toBeCloseTo(0.4256, 4);
  });
  it('C6: small-difference penalty, margin 0.5 → 1.1101', () => {
    const c6 = pairs([0.99, 0.01], [0.5, 0.52], [1, 1], [1, 1], [1, 1]);
    expect(probMarginRankingLoss(c6, { margin: 0.5, penalizeSmallDifferences: true })).toBeCloseTo(1.1101, 4);
    expect(probMarginRankingLoss(c6, { margin: 0.5 })).toBeCloseTo(0.6178, 4);
  });
  it('C7: the cosine variant applies its steep logit → 0.2500 (not 0.3625, ORIGINAL_BUGS L1)', () => {
    expect(cosineProbMarginRankingLoss(c5, { margin: 0.1 })).toBeCloseTo(0.25, 4);
  });
  it('E18: no pair gives 0, never NaN', () => {
    expect(probMarginRankingLoss(FineTuningFeatures.empty())).toBe(0);
    expect(cosineProbMarginRankingLoss(FineTuningFeatures.empty(), { penalizeSmallDifferences: true })).toBe(0);
  });
});

describe('extractor end to end (CASES C10)', () => {
  const items = c10Items;
  const session = c10Session;

  it('pairs are positive-major and the default filter (0, 1) keeps (e1,n2), (e2,n1), (e2,n2)', () => {
    const extractor = new FeaturesExtractor(baseEmbeddingModel());
    const result = extractor.forward([session], items);
    const unfiltered = result.execution.unfiltered;
    expect(unfiltered.positiveObjectIds).toEqual(['e1', 'e1', 'e1', 'e2', 'e2', 'e2']);
    expect(unfiltered.negativeObjectIds).toEqual(['n1', 'n2', 'n3', 'n1', 'n2', 'n3']);
    const differences = Array.from(unfiltered.positiveRanks, (value, index) => Math.abs(value - (unfiltered.negativeRanks[index] as number)));
    [1.0, 0.2929, 2.0, 0.6, 0.1071, 1.6].forEach((expected, index) => expect(differences[index]).toBeCloseTo(expected, 4));
    const kept = result.features;
    expect(kept.positiveObjectIds.map((id, index) => `${id},${kept.negativeObjectIds[index]}`)).toEqual(['e1,n2', 'e2,n1', 'e2,n2']);
    expect(Array.from(kept.target)).toEqual([1, 1, 1]);
  });

  it('dummy confidences, margin 0.1 → 0.4604; with min 0.2 → 0.4147', () => {
    const features = new FeaturesExtractor(baseEmbeddingModel()).getFineTuningFeatures(session, items);
    expect(probMarginRankingLoss(features, { margin: 0.1 })).toBeCloseTo(0.4604, 4);
    const narrower = new FeaturesExtractor(baseEmbeddingModel(), { minAbsDifference: 0.2 }).getFineTuningFeatures(session, items);
    expect(probMarginRankingLoss(narrower, { margin: 0.1 })).toBeCloseTo(0.4147, 4);
  });

  it('sliding-window confidences on all five objects → pair weights [0.4278, 0, 0], loss 0.0644', async () => {
    const extractor = new FeaturesExtractor(baseEmbeddingModel(), { confidenceCalculator: 'slidingWindow' });
    const confidences = await extractor.confidences(session);
    [
      ['e1', 1.0],
      ['n1', 0.1644],
      ['e2', 0.0],
      ['n2', 0.4278],
      ['n3', 0.6694],
    ].forEach(([id, value]) => expect(confidences.get(id as string)).toBeCloseTo(value as number, 4));
    const features = extractor.getFineTuningFeatures(session, items);
    const weights = Array.from(features.positiveConfidences, (value, index) => Math.min(value, features.negativeConfidences[index] as number));
    [0.4278, 0, 0].forEach((expected, index) => expect(weights[index]).toBeCloseTo(expected, 4));
    expect(probMarginRankingLoss(features, { margin: 0.1 })).toBeCloseTo(0.0644, 4);
  });

  it('a distance ranker gives target −1 and distances', () => {
    const features = new FeaturesExtractor(baseEmbeddingModel(), { ranker: 'euclidean', maxAbsDifference: 10 }).getFineTuningFeatures(session, items);
    expect(Array.from(features.target).every((value) => value === -1)).toBe(true);
    // (e1, n1): |e1 − q| = 0, |n1 − q| = √2.
    expect(features.positiveRanks[0]).toBeCloseTo(0, 6);
    expect(features.negativeRanks[0]).toBeCloseTo(Math.SQRT2, 6);
  });

  it('a session logged without search scores is scored by the model first (step 4)', () => {
    const unscored = FineTuningInput.create({ ...session.toJSON(), ranks: null });
    const extractor = new FeaturesExtractor(baseEmbeddingModel(), { confidenceCalculator: 'slidingWindow' });
    const confidences = extractor.forward([unscored], items).plan.pairPositiveConfidence;
    // Model scores [1, 0, 0.6, 0.7071, −1], clicks [1, 0, 1, 0, 0], window 3, by hand:
    // raw × position score = [0.3283, 0.3154, 0.1710, −0.4131, 1.9590]
    // (i = 4: avg −0.1464, s = −5.8284, not clicked → 1 − s = 6.8284, × 0.2869);
    // min–max: e1 → (0.3283 + 0.4131) / 2.3721 = 0.3126.
    expect(confidences[0]).toBeCloseTo(0.3126, 4);
  });

  it('confidences() and downsampleNotEvents() of a session without search scores score it first, given the catalogue (review: they threw)', async () => {
    const unscored = FineTuningInput.create({ ...session.toJSON(), ranks: null });
    const extractor = new FeaturesExtractor(baseEmbeddingModel(), { confidenceCalculator: 'slidingWindow' });
    // The same by-hand figure as through the planner: e1 → 0.3126.
    expect((await extractor.confidences(unscored, items)).get('e1')).toBeCloseTo(0.3126, 4);
    expect(await extractor.downsampleNotEvents(unscored, items)).toEqual(['n1', 'n2', 'n3']);
    await expect(extractor.confidences(unscored)).rejects.toThrow(/has no search scores \(ranks is null\): give the catalogue/);
    // planAsync scores it the same way.
    expect((await extractor.planAsync([unscored], items)).pairPositiveConfidence[0]).toBeCloseTo(0.3126, 4);
  });
});

describe('downsampling counts with parts (CASES C11)', () => {
  const items = ItemsSet.fromRecords(['a:0', 'a:1', 'b:0', 'c:0', 'c:1', 'd:0'].map((id, index) => ({ id, embedding: [1, index] })));
  const session = FineTuningInput.create({
    query: { embedding: [1, 0] },
    results: ['a:0', 'a:1', 'b:0', 'c:0', 'c:1', 'd:0'],
    events: ['b:0'],
    ranks: { 'a:0': 6, 'a:1': 5, 'b:0': 4, 'c:0': 3, 'c:1': 2, 'd:0': 1 },
    partToObject: { 'a:0': 'a', 'a:1': 'a', 'b:0': 'b', 'c:0': 'c', 'c:1': 'c', 'd:0': 'd' },
  });
  it.each([
    [0.5, 1],
    [0.7, 2],
    [1.0, 3],
    [0.1, 1],
  ])('factor %s keeps %s negative object(s), with all their parts, in display order', async (factor, objects) => {
    for (let seed = 0; seed < 20; seed += 1) {
      const extractor = new FeaturesExtractor(baseEmbeddingModel(), { negativeDownsamplingFactor: factor, seed });
      const kept = await extractor.downsampleNotEvents(session);
      const keptObjects = [...new Set(kept.map((id) => id.split(':')[0]))];
      expect(keptObjects).toHaveLength(objects);
      expect(keptObjects).not.toContain('b');
      const expectedParts = ['a:0', 'a:1', 'c:0', 'c:1', 'd:0'].filter((id) => keptObjects.includes(id.split(':')[0] as string));
      expect(kept).toEqual(expectedParts);
      const plan = extractor.plan([session], items);
      expect(plan.pairPositive.length).toBe(objects);
    }
  });
});

describe('borrowed positives (CASES C12, step 8)', () => {
  it('the irrelevant session borrows positive ranks and confidences, truncated to L', () => {
    const items = ItemsSet.fromRecords([
      { id: 'p', embedding: [1, 0] },
      { id: 'x', embedding: [0, 1] },
      { id: 'y', embedding: [0.6, 0.8] },
      { id: 'u', embedding: [0.8, 0.6] },
      { id: 'v', embedding: [1, 1] },
      { id: 'w', embedding: [-1, 1] },
    ]);
    const relevant = FineTuningInput.create({ query: { embedding: [1, 0] }, results: ['p', 'x', 'y'], events: ['p'], ranks: { p: 3, x: 2, y: 1 } });
    const irrelevant = FineTuningInput.create({ query: { embedding: [0, 1] }, results: ['u', 'v', 'w'], events: [], ranks: { u: 3, v: 2, w: 1 } });
    const extractor = new FeaturesExtractor(baseEmbeddingModel(), { maxAbsDifference: 10, confidenceCalculator: 'slidingWindow' });
    const features = extractor.getPairedInputsFeatures(relevant, irrelevant, items);
    // Relevant: (p,x), (p,y). Borrowed: L = min(3 negatives, 2 positive pairs) = 2 → (p,u), (p,v).
    expect(features.positiveObjectIds).toEqual(['p', 'p', 'p', 'p']);
    expect(features.negativeObjectIds).toEqual(['x', 'y', 'u', 'v']);
    expect(Array.from(features.sessionIndex)).toEqual([0, 0, 1, 1]);
    // Borrowed positive confidence is p's confidence (1 after min–max: p is the clicked top), not its rank.
    expect(features.positiveConfidences[2]).toBeCloseTo(features.positiveConfidences[0] as number, 6);
    expect(features.positiveRanks[2]).toBeCloseTo(1, 6);
    // The borrowed negatives are ranked against the irrelevant session's own query [0, 1].
    expect(features.negativeRanks[2]).toBeCloseTo(0.6, 6);
  });

  it('skips irrelevant sessions and says so when notIrrelevantOnly is true (the default)', () => {
    const items = ItemsSet.fromRecords([
      { id: 'a', embedding: [1] },
      { id: 'b', embedding: [2] },
    ]);
    const irrelevant = FineTuningInput.create({ query: { embedding: [1] }, results: ['a', 'b'], ranks: { a: 1, b: 0 } });
    const report = new FeaturesExtractor(baseEmbeddingModel()).forward([irrelevant], items).report;
    expect(report.skipped).toEqual([{ session: 0, reason: 'irrelevant' }]);
    expect(report.pairs).toBe(0);
  });
});

describe('DistanceShift (CASES C13)', () => {
  it('relevant −0.025, irrelevant 0.0, distance ranker +0.025', () => {
    expect(distanceShift([0.5, 0.6], [0.55, 0.5], { relevant: true })).toBeCloseTo(-0.025, 6);
    expect(distanceShift([0.4, 0.3], [0.35, 0.35], { relevant: false })).toBeCloseTo(0, 6);
    expect(distanceShift([0.5, 0.6], [0.55, 0.5], { relevant: true, isSimilarity: false })).toBeCloseTo(0.025, 6);
  });
});

describe('pairing and splitting (CASES C14)', () => {
  it('cycles the shorter list', () => {
    expect(pairRelevantWithIrrelevant([0, 1, 2], [9])).toEqual([
      [0, 9],
      [1, 9],
      [2, 9],
    ]);
    expect(pairRelevantWithIrrelevant([0], [8, 9])).toEqual([
      [0, 8],
      [0, 9],
    ]);
  });
  it("EmbeddingStudio's split rule: more than half test items → test", () => {
    const session = FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c', 'd'] });
    expect(isTestSessionByItems(session, new Set(['a', 'b']))).toBe(false);
    expect(isTestSessionByItems(session, new Set(['a', 'b', 'c']))).toBe(true);
  });
});
