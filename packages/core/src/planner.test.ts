import { describe, expect, it } from 'vitest';
import { ClickTuneError } from './errors';
import { ItemsSet } from './items';
import { type BatchPlanOptions, downsampledCount, planBatch, serializeBatchPlan } from './planner';
import { SeededRandom } from './random';
import { FineTuningInput } from './session';

// Plain functions stand in for @clicktune/confidence here (core depends on no other package).
const options: BatchPlanOptions = {
  confidenceCalculator: (ranks) => Float32Array.from(ranks, (_, index) => 1 / (index + 1)),
  aggregateSearchScores: (values) => values.reduce((sum, value) => sum + value, 0) / values.length,
  aggregateClicks: (values) => Math.max(...values),
};

const items = ItemsSet.fromRecords(['a', 'b', 'c', 'd', 'e', 'x:0', 'x:1'].map((id, index) => ({ id, embedding: [1, index] })));

function session(init: Record<string, unknown>): FineTuningInput {
  return FineTuningInput.create({ query: 'q', ...init } as never);
}

function plan(sessions: FineTuningInput[], extra: Partial<BatchPlanOptions> = {}, seed = 1) {
  return planBatch(sessions, items, { ...options, ...extra }, SeededRandom.fromSeed(seed));
}

describe('planBatch', () => {
  it('groups parts into objects in display order; a clicked part makes its whole object positive', () => {
    const input = session({
      results: ['x:0', 'a', 'x:1', 'b'],
      ranks: { 'x:0': 4, a: 3, 'x:1': 2, b: 1 },
      events: ['x:1'],
      partToObject: { 'x:0': 'x', 'x:1': 'x' },
    });
    const result = plan([input]);
    expect(result.objectIds).toEqual(['x', 'a', 'b']);
    expect(Array.from(result.objectPartOffsets)).toEqual([0, 2, 3, 4]);
    expect(result.itemIds).toEqual(['x:0', 'x:1', 'a', 'b']);
    expect(Array.from(result.pairPositive)).toEqual([0, 0]);
    expect(Array.from(result.pairNegative)).toEqual([1, 2]);
    // Confidences are per object (E12) on the object list [x, a, b]: 1, 1/2, 1/3.
    expect(Array.from(result.pairPositiveConfidence)).toEqual([1, 1]);
    expect(Array.from(result.pairNegativeConfidence)).toEqual([Math.fround(1 / 2), Math.fround(1 / 3)]);
  });

  it('the confidence calculator sees the object-level search scores of all displayed objects', () => {
    const seen: number[][] = [];
    const input = session({
      results: ['x:0', 'x:1', 'a', 'b', 'c'],
      ranks: { 'x:0': 0.9, 'x:1': 0.5, a: 0.4, b: 0.3, c: 0.2 },
      events: ['a'],
      partToObject: { 'x:0': 'x', 'x:1': 'x' },
    });
    plan([input], {
      negativeDownsamplingFactor: 0.1,
      confidenceCalculator: (ranks, clicks) => {
        seen.push(Array.from(ranks), Array.from(clicks));
        return new Float32Array(ranks.length).fill(1);
      },
    });
    expect(seen[0]?.map((value) => Number(value.toFixed(4)))).toEqual([0.7, 0.4, 0.3, 0.2]);
    expect(seen[1]).toEqual([0, 1, 0, 0]);
  });

  it('reports sessions that cannot contribute, never dropping them silently', () => {
    const allClicked = session({ results: ['a', 'b'], events: ['a', 'b'], ranks: { a: 1, b: 0 } });
    const irrelevant = session({ results: ['a', 'b'], ranks: { a: 1, b: 0 } });
    const eventsLost = FineTuningInput.create({ query: 'q', results: ['a'], events: ['zz'], ranks: { a: 1 } }, { missingEvents: 'drop' });
    const good = session({ results: ['a', 'b'], events: ['a'], ranks: { a: 1, b: 0 } });
    const result = plan([allClicked, irrelevant, eventsLost, good]);
    expect(result.report.skipped.map((entry) => [entry.session, entry.reason])).toEqual([
      [0, 'no-negatives'],
      [1, 'irrelevant'],
      [2, 'events-missing'],
    ]);
    expect(result.report.pairs).toBe(1);
    expect(result.report.relevantSessions).toBe(2);
    expect(result.report.irrelevantSessions).toBe(1);
    const unpaired = plan([irrelevant], { notIrrelevantOnly: false });
    expect(unpaired.report.skipped).toEqual([{ session: 0, reason: 'no-relevant-to-pair' }]);
    // Paired only with an all-clicked relevant session, an irrelevant session borrows nothing: reported too (review defect 4).
    const nothingToBorrow = plan([allClicked, irrelevant], { notIrrelevantOnly: false });
    expect(nothingToBorrow.report.pairs).toBe(0);
    expect(nothingToBorrow.report.skipped.map((entry) => [entry.session, entry.reason])).toEqual([
      [0, 'no-negatives'],
      [1, 'nothing-to-borrow'],
    ]);
    // With a relevant session that has pairs, the same irrelevant session borrows and is not reported.
    const borrowing = plan([good, irrelevant], { notIrrelevantOnly: false });
    expect(borrowing.report.borrowedPairs).toBe(1);
    expect(borrowing.report.skipped).toEqual([]);
  });

  it('same seed → byte-identical plan; another seed may choose other negatives', () => {
    const input = session({ results: ['a', 'b', 'c', 'd', 'e'], events: ['a'], ranks: { a: 5, b: 4, c: 3, d: 2, e: 1 } });
    const once = serializeBatchPlan(plan([input, input], { negativeDownsamplingFactor: 0.5 }, 42));
    expect(serializeBatchPlan(plan([input, input], { negativeDownsamplingFactor: 0.5 }, 42))).toBe(once);
    const others = new Set(Array.from({ length: 10 }, (_, seed) => serializeBatchPlan(plan([input], { negativeDownsamplingFactor: 0.5 }, seed))));
    expect(others.size).toBeGreaterThan(1);
  });

  it('downsampledCount keeps at least one negative while there are any', () => {
    expect([downsampledCount(3, 0.5), downsampledCount(3, 0.7), downsampledCount(3, 1), downsampledCount(3, 0.1), downsampledCount(0, 0.5)]).toEqual([1, 2, 3, 1, 0]);
  });

  it('handles a session with 10,000 results', () => {
    const ids = Array.from({ length: 10_000 }, (_, index) => `r${index}`);
    const big = ItemsSet.fromEmbeddings(ids, new Float32Array(ids.length * 2).fill(1), 2);
    const ranks = Object.fromEntries(ids.map((id, index) => [id, -index]));
    const input = FineTuningInput.create({ query: 'q', results: ids, events: ['r0', 'r5000'], ranks });
    const result = planBatch([input], big, options, SeededRandom.fromSeed(0));
    expect(result.report.pairs).toBe(2 * 9998);
    expect(result.itemRows.length).toBe(10_000);
  });

  const badInputs: Array<[string, () => unknown, string, RegExp]> = [
    ['unknown item ids (all listed)', () => plan([session({ results: ['a', 'zz', 'yy'], events: ['a'] })]), 'missing-items', /2 unknown item ids: "zz", "yy"/],
    [
      'unknown query id',
      () =>
        planBatch([session({ results: ['a', 'b'], events: ['a'], ranks: { a: 1, b: 0 } })], items, options, SeededRandom.fromSeed(0), {
          queries: ItemsSet.fromRecords([{ id: 'other', embedding: [1, 0] }]),
        }),
      'missing-items',
      /unknown query id: "q"/,
    ],
    [
      'query dimension mismatch',
      () => plan([FineTuningInput.create({ query: { embedding: [1, 2, 3] }, results: ['a'], events: ['a'] })]),
      'dimension-mismatch',
      /length 3, items have 2/,
    ],
    ['no search scores and no model', () => plan([session({ results: ['a', 'b'], events: ['a'] })]), 'invalid-session', /no search scores/],
    ['factor 0', () => plan([], { negativeDownsamplingFactor: 0 }), 'invalid-option', /\(0, 1\]/],
    ['factor above 1', () => plan([], { negativeDownsamplingFactor: 1.5 }), 'invalid-option', /\(0, 1\]/],
    ['factor NaN', () => plan([], { negativeDownsamplingFactor: Number.NaN }), 'invalid-option', /\(0, 1\]/],
    ['min ≥ max', () => plan([], { minAbsDifference: 1, maxAbsDifference: 1 }), 'invalid-option', /greater than/],
    ['calculator not a function', () => plan([], { confidenceCalculator: 'slidingWindow' as never }), 'invalid-option', /must be a function/],
    [
      'calculator returns NaN',
      () => plan([session({ results: ['a', 'b'], events: ['a'], ranks: { a: 1, b: 0 } })], { confidenceCalculator: (ranks) => new Float32Array(ranks.length).fill(Number.NaN) }),
      'invalid-option',
      /non-finite/,
    ],
  ];
  it.each(badInputs)('%s → %s', (_name, run, code, message) => {
    try {
      run();
      expect.unreachable();
    } catch (error) {
      expect(ClickTuneError.isInstance(error)).toBe(true);
      expect((error as ClickTuneError).code).toBe(code);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('an empty batch plans to nothing', () => {
    const result = plan([]);
    expect(result.report.pairs).toBe(0);
    expect(result.itemRows.length).toBe(0);
  });

  it('missingItems: skip reports the session instead of failing', () => {
    const result = plan([session({ results: ['a', 'zz'], events: ['a'], ranks: { a: 1, zz: 0 } })], { missingItems: 'skip' });
    expect(result.report.skipped).toEqual([{ session: 0, reason: 'missing-items', detail: 'zz' }]);
  });
});
