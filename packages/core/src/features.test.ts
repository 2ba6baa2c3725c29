import { describe, expect, it } from 'vitest';
import { FineTuningFeatures } from './features';

function features(positive: number[], negative: number[], positiveConfidences?: number[], negativeConfidences?: number[]): FineTuningFeatures {
  const n = positive.length;
  return new FineTuningFeatures({
    positiveRanks: Float32Array.from(positive),
    negativeRanks: Float32Array.from(negative),
    positiveConfidences: Float32Array.from(positiveConfidences ?? positive.map(() => 1)),
    negativeConfidences: Float32Array.from(negativeConfidences ?? negative.map(() => 1)),
    target: new Float32Array(n).fill(1),
    sessionIndex: new Int32Array(n),
    positiveObjectIds: positive.map((_, index) => `p${index}`),
    negativeObjectIds: negative.map((_, index) => `n${index}`),
  });
}

describe('FineTuningFeatures', () => {
  it('rejects fields of different lengths (E10/E11)', () => {
    expect(
      () =>
        new FineTuningFeatures({
          ...features([1], [0]),
          target: new Float32Array(2),
        }),
    ).toThrow(/one entry per pair/);
  });

  it('CASES C9: the difference filter is strict on both sides', () => {
    const kept = features([0.9, 0.5, 0.3], [0.1, 0.45, 0.9]).filterByDifference(0.1, 0.7);
    expect(kept.positiveObjectIds).toEqual(['p2']);
    const withLowerMin = features([0.9, 0.5, 0.3], [0.1, 0.45, 0.9]).filterByDifference(0.05, 0.7);
    // |0.5 − 0.45| is 0.05 in float32 arithmetic only approximately; the
    // pair at exactly the bound must go, so compare on values that are exact.
    expect(withLowerMin.positiveObjectIds).not.toContain('p0');
    const exact = features([1, 0.75], [0.5, 0.5]).filterByDifference(0.25, 0.5);
    expect(exact.length).toBe(0);
  });

  it('rejects min ≥ max and negative or NaN bounds', () => {
    const sample = features([1], [0]);
    expect(() => sample.filterByDifference(0.5, 0.5)).toThrow(/greater than/);
    expect(() => sample.filterByDifference(-1, 1)).toThrow(/≥ 0/);
    expect(() => sample.filterByDifference(Number.NaN, 1)).toThrow(/≥ 0/);
  });

  it('concatenation keeps both sides, also when one is empty (E17)', () => {
    const joined = FineTuningFeatures.empty()
      .concat(features([1, 2], [0, 0]))
      .concat(FineTuningFeatures.empty());
    expect(Array.from(joined.positiveRanks)).toEqual([1, 2]);
    const both = features([1], [0]).concat(features([3], [2]));
    expect(Array.from(both.negativeRanks)).toEqual([0, 2]);
    expect(both.length).toBe(2);
  });

  it('CASES C12: usePositiveFrom borrows ranks and confidences, truncated to the shorter side', () => {
    const relevant = features([0.9, 0.8, 0.7], [0, 0, 0], [1, 0.5, 0.2]);
    const irrelevant = features([0, 0], [0.3, 0.4], [0, 0], [0.6, 0.7]);
    const borrowed = irrelevant.usePositiveFrom(relevant);
    expect(Array.from(borrowed.positiveRanks)).toEqual([Math.fround(0.9), Math.fround(0.8)]);
    expect(Array.from(borrowed.positiveConfidences)).toEqual([1, 0.5]);
    expect(Array.from(borrowed.negativeRanks)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(Array.from(borrowed.negativeConfidences)).toEqual([Math.fround(0.6), Math.fround(0.7)]);
    expect(borrowed.length).toBe(2);
  });
});
