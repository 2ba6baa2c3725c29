import { describe, expect, it } from 'vitest';
import { clicksAggregator, maxAggregator, meanAggregator, minAggregator, resolveClicksAggregator, resolveRanksAggregator, softExtreme } from './aggregators';

describe('ranks aggregators', () => {
  it('CASES C8: soft max/min with β = 10', () => {
    expect(maxAggregator({ beta: 10 }).soft([0.1, 0.2, 0.3])).toBeCloseTo(0.2575, 4);
    expect(minAggregator({ beta: 10 }).soft([0.1, 0.2, 0.3])).toBeCloseTo(0.1425, 4);
  });
  it('CASES C8: β = 1e5 is numerically stable and reaches the extremes', () => {
    expect(maxAggregator().soft([0.1, 0.2, 0.3])).toBeCloseTo(0.3, 6);
    expect(minAggregator().soft([0.1, 0.2, 0.3])).toBeCloseTo(0.1, 6);
    expect(Number.isFinite(softExtreme([1000, -1000], 1e5, 1))).toBe(true);
  });
  it('plain forms are exact; a single part is itself (ORIGINAL_BUGS E9)', () => {
    expect(maxAggregator().aggregate([0.2, 0.9, 0.1])).toBe(0.9);
    expect(minAggregator().aggregate([0.2, 0.9, 0.1])).toBe(0.1);
    expect(meanAggregator().aggregate([0.5, 1])).toBe(0.75);
    expect(maxAggregator().soft([0.42])).toBeCloseTo(0.42, 12);
  });
  it('empty and all-zero inputs follow ifEmptyValue / ifZeroesValue', () => {
    expect(meanAggregator().aggregate([])).toBe(0);
    expect(meanAggregator({ ifEmptyValue: 1 }).aggregate([])).toBe(1);
    expect(maxAggregator({ ifZeroesValue: 0.5 }).aggregate([0, 0])).toBe(0.5);
    expect(maxAggregator({ ifZeroesValue: 0.5 }).aggregate([0, 0.2])).toBe(0.2);
  });
  it('validates β and names', () => {
    expect(() => maxAggregator({ beta: 0 })).toThrow(/beta must be/);
    expect(() => minAggregator({ beta: Number.NaN })).toThrow(/beta must be/);
    expect(resolveRanksAggregator({ kind: 'max', beta: 3 }).beta).toBe(3);
    expect(() => resolveRanksAggregator('median' as never)).toThrow(/unknown ranks aggregator "median"/);
  });
});

describe('clicks aggregators', () => {
  it('max (default), sum and mean over parts', () => {
    expect(resolveClicksAggregator().aggregate([0, 1, 1])).toBe(1);
    expect(clicksAggregator('sum').aggregate([0, 1, 1])).toBe(2);
    expect(clicksAggregator('mean').aggregate([0, 1, 1, 0])).toBe(0.5);
    expect(clicksAggregator('max', { ifEmptyValue: 0 }).aggregate([])).toBe(0);
    expect(() => clicksAggregator('any' as never)).toThrow(/unknown clicks aggregator/);
  });
});
