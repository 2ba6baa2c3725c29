import { ClickTuneError } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { dummyConfidences, positionBiasConfidences, resolveConfidenceCalculator, slidingWindowConfidences } from './calculators';

const ranks = Float32Array.of(0.9, 0.8, 0.7, 0.6, 0.5);

function expectClose(actual: Float32Array, expected: number[], tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, index) => expect(Math.abs((actual[index] as number) - value)).toBeLessThan(tolerance));
}

describe('sliding-window confidences (EmbeddingStudio calculate_confidences)', () => {
  it('CASES C1: window 3', () => {
    expectClose(slidingWindowConfidences({ window: 3 }).calculate(ranks, [1, 0, 0, 1, 0]), [1.0, 0.9422, 0.6406, 0.0, 0.1694]);
  });
  it('CASES C2: window 5', () => {
    expectClose(slidingWindowConfidences({ window: 5 }).calculate(ranks, [1, 0, 0, 1, 0]), [1.0, 0.9376, 0.853, 0.0, 0.5418]);
  });
  it('CASES C3: clicks [1, 0, 1, 0, 0]', () => {
    expectClose(slidingWindowConfidences().calculate(ranks, [1, 0, 1, 0, 0]), [1.0, 0.1644, 0.0, 0.4278, 0.6694]);
  });
  it('CASES C4: one element gives [0], empty gives empty', () => {
    expect(Array.from(slidingWindowConfidences().calculate(Float32Array.of(0.7), [1]))).toEqual([0]);
    expect(Array.from(slidingWindowConfidences().calculate(Float32Array.of(0.7), [0]))).toEqual([0]);
    expect(slidingWindowConfidences().calculate(new Float32Array(0), [])).toHaveLength(0);
  });
  it.each([1, 2.5, 0, -3, Number.NaN])('CASES C4: window %s is rejected', (window) => {
    expect(() => slidingWindowConfidences({ window })).toThrow(/window must be an integer > 1/);
  });
  it('rejects ranks and clicks of different lengths', () => {
    expect(() => slidingWindowConfidences().calculate(ranks, [1])).toThrow(/same length/);
  });
});

describe('dummy confidences', () => {
  it('CASES C4: all 1', () => {
    expect(Array.from(dummyConfidences().calculate(ranks, [0, 1, 0, 0, 0]))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('position-bias confidences', () => {
  it('weights clicks by clipped inverse propensity and skips by examination probability', () => {
    // Default θ: 0.68, 0.61, … 0.06. Click at 1: min(1/0.68, 10)/10 = 0.147059; skip at 2: 0.61.
    const confidences = positionBiasConfidences().calculate(new Float32Array(12), [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(confidences[0]).toBeCloseTo(1 / 0.68 / 10, 6);
    expect(confidences[1]).toBeCloseTo(0.61, 6);
    // Click at 10: 1/0.06 = 16.7 clipped to 10 → 1.
    expect(confidences[9]).toBeCloseTo(1, 6);
    // Beyond the list of propensities the last one (0.06) is used.
    expect(confidences[11]).toBeCloseTo(0.06, 6);
  });
  it('takes given propensities and clip', () => {
    const confidences = positionBiasConfidences({ propensities: [0.5, 0.25], maxWeight: 2 }).calculate(new Float32Array(3), [1, 1, 0]);
    // 1/0.5 = 2 → 2/2 = 1; 1/0.25 = 4 clipped to 2 → 1; skip at 3 uses θ = 0.25.
    expect(Array.from(confidences)).toEqual([1, 1, 0.25]);
  });
  it.each([[[0]], [[1.5]], [[]], [[Number.NaN]]])('rejects propensities %j', (propensities) => {
    expect(() => positionBiasConfidences({ propensities })).toThrow(ClickTuneError as never);
  });
  it('rejects maxWeight below 1', () => {
    expect(() => positionBiasConfidences({ maxWeight: 0.5 })).toThrow(/maxWeight/);
  });
});

describe('resolveConfidenceCalculator', () => {
  it('resolves names and options, rejects unknown names', () => {
    expect(resolveConfidenceCalculator().name).toBe('dummy');
    expect(resolveConfidenceCalculator({ kind: 'slidingWindow', window: 5 }).name).toBe('slidingWindow(5)');
    expect(resolveConfidenceCalculator('positionBias').name).toBe('positionBias');
    expect(() => resolveConfidenceCalculator('magic' as never)).toThrow(/unknown confidence calculator "magic"/);
  });
});
