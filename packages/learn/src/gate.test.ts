import { SeededRandom } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { deploymentGate, pairedBootstrap } from './gate';

const CRITERION = { metric: 'click-judged NDCG@10', queries: 'judged validation queries' };

/**
 * Three queries whose differences (candidate − in service) are −0.3, 0.3 and
 * 0.6 (mean 0.2). The 27 equally likely resamples give these means (counts of
 * each query → mean, probability × 27):
 *   (3,0,0) −0.3 ×1 · (2,1,0) −0.1 ×3 · (2,0,1) 0 ×3 · (1,2,0) 0.1 ×3 ·
 *   (1,1,1) 0.2 ×6 · (0,3,0) 0.3 ×1 · (1,0,2) 0.3 ×3 · (0,2,1) 0.4 ×3 ·
 *   (0,1,2) 0.5 ×3 · (0,0,3) 0.6 ×1.
 * Cumulative: −0.3 1/27, −0.1 4/27, 0 7/27, 0.1 10/27, 0.2 16/27, 0.3 20/27,
 * 0.4 23/27, 0.5 26/27, 0.6 27/27.
 */
const IN_SERVICE = [0.5, 0.2, 0.8];
const CANDIDATE = [0.2, 0.5, 1.4];

describe('pairedBootstrap (exact for small query sets)', () => {
  it('97.5%: the 2.5% quantile is −0.3 (1/27 ≥ 0.025) and the 97.5% one 0.6 (26/27 < 0.975)', () => {
    const comparison = pairedBootstrap(CANDIDATE, IN_SERVICE, { confidence: 0.975 });
    expect(comparison.method).toBe('exact bootstrap');
    expect(comparison.difference).toBeCloseTo(0.2, 12);
    expect(comparison.differenceInterval[0]).toBeCloseTo(-0.3, 12);
    expect(comparison.differenceInterval[1]).toBeCloseTo(0.6, 12);
    // Relative to the in-service mean 0.5.
    expect(comparison.gain).toBeCloseTo(0.4, 12);
    expect(comparison.gainInterval?.[0]).toBeCloseTo(-0.6, 12);
    expect(comparison.gainInterval?.[1]).toBeCloseTo(1.2, 12);
  });

  it('95% (the default): the 5% quantile is −0.1 (4/27 ≥ 0.05 > 1/27) and the 95% one 0.5 (26/27 ≥ 0.95 > 23/27)', () => {
    const comparison = pairedBootstrap(CANDIDATE, IN_SERVICE);
    expect(comparison.differenceInterval[0]).toBeCloseTo(-0.1, 12);
    expect(comparison.differenceInterval[1]).toBeCloseTo(0.5, 12);
  });

  it('75%: the 25% quantile is 0 (7/27 ≥ 0.25 > 4/27) and the 75% one 0.4 (23/27 ≥ 0.75 > 20/27)', () => {
    const comparison = pairedBootstrap(CANDIDATE, IN_SERVICE, { confidence: 0.75 });
    expect(comparison.differenceInterval[0]).toBeCloseTo(0, 12);
    expect(comparison.differenceInterval[1]).toBeCloseTo(0.4, 12);
  });

  it('resamples (seeded) above ten queries, and the interval brackets the mean', () => {
    const inService = Array.from({ length: 40 }, (_, index) => (index % 5) / 10);
    const candidate = inService.map((value, index) => value + (index % 3 === 0 ? -0.05 : 0.1));
    const first = pairedBootstrap(candidate, inService, { seed: 3 });
    expect(first.method).toBe('bootstrap');
    expect(pairedBootstrap(candidate, inService, { seed: 3 })).toEqual(first);
    expect(first.differenceInterval[0]).toBeLessThan(first.difference);
    expect(first.differenceInterval[1]).toBeGreaterThan(first.difference);
    // Every resample mean lies between the smallest and largest difference.
    expect(first.differenceInterval[0]).toBeGreaterThanOrEqual(-0.05);
    expect(first.differenceInterval[1]).toBeLessThanOrEqual(0.1);
  });

  it('Monte Carlo: the means of n draws of SeededRandom(seed).nextInt(n), in order, for the kept draws and for a query set too large to keep', () => {
    // What the bootstrap is defined to be, written out independently: resample r sums draws r·n … r·n + n − 1.
    const expected = (differences: readonly number[], resamples: number, seed: number, level: number) => {
      const random = SeededRandom.fromSeed(seed);
      const means = Array.from({ length: resamples }, () => {
        let sum = 0;
        for (let draw = 0; draw < differences.length; draw += 1) sum += differences[random.nextInt(differences.length)] as number;
        return sum / differences.length;
      }).sort((a, b) => a - b);
      // The smallest mean whose cumulative share reaches the level: the ⌈level · resamples⌉-th.
      return means[Math.ceil(level * resamples - 1e-9) - 1] as number;
    };
    const small = Array.from({ length: 50 }, (_, index) => Math.sin(index) / 10);
    const zeros = small.map(() => 0);
    for (const seed of [1, 7]) {
      const comparison = pairedBootstrap(small, zeros, { seed, resamples: 1_000 });
      // Twice: the second call reads the kept draws.
      expect(pairedBootstrap(small, zeros, { seed, resamples: 1_000 }).differenceInterval).toEqual(comparison.differenceInterval);
      expect(comparison.differenceInterval[0]).toBe(expected(small, 1_000, seed, 0.05));
      expect(comparison.differenceInterval[1]).toBe(expected(small, 1_000, seed, 0.95));
    }
    // 70,000 queries: indices above 2¹⁶, drawn as they are summed.
    const large = Array.from({ length: 70_000 }, (_, index) => ((index * 7919) % 1000) / 1000 - 0.45);
    const comparison = pairedBootstrap(large, new Array(large.length).fill(0), { seed: 2, resamples: 100 });
    expect(comparison.differenceInterval[0]).toBe(expected(large, 100, 2, 0.05));
    expect(comparison.differenceInterval[1]).toBe(expected(large, 100, 2, 0.95));
  });

  it('rejects unpaired and non-finite scores', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(/different numbers of queries/);
    expect(() => pairedBootstrap([Number.NaN], [1])).toThrow(/not a finite number/);
  });
});

describe('deploymentGate', () => {
  it('keeps the model in service when the interval reaches below 0, and says so with the numbers', () => {
    const decision = deploymentGate(CRITERION, CANDIDATE, IN_SERVICE, { minQueries: 0 });
    expect(decision.deploy).toBe(false);
    expect(decision.reason).toBe(
      '3 judged validation queries, click-judged NDCG@10 0.5000 in service, 0.7000 new; gain +40.0% (lower bound at 95% −20.0%, upper +100.0%): not enough evidence, keeping the model in service',
    );
  });

  it('deploys a gain every resample agrees on', () => {
    const inService = Array.from({ length: 20 }, (_, index) => 0.2 + index / 100);
    const candidate = inService.map((value, index) => value + 0.01 + (index % 4) / 100);
    const decision = deploymentGate(CRITERION, candidate, inService);
    expect(decision.deploy).toBe(true);
    // The smallest difference is 0.01, so no resample mean can be lower.
    expect(decision.comparison?.differenceInterval[0]).toBeGreaterThanOrEqual(0.01 - 1e-12);
    expect(decision.reason).toMatch(/^20 judged validation queries, .*: deploying the new adapter$/);
  });

  it('keeps the model in service on a tie, on too few differing queries, and without queries', () => {
    expect(deploymentGate(CRITERION, [0.3, 0.4], [0.3, 0.4]).deploy).toBe(false);
    const few = deploymentGate(CRITERION, [0.9, 0.9, 0.9, 0.9], [0.1, 0.1, 0.1, 0.1]);
    expect(few.deploy).toBe(false);
    expect(few.reason).toMatch(/only 4 queries tell the models apart \(the gate needs 5\)/);
    // Five out of five is enough (a one-sided sign test at 95%: 1/32 < 0.05).
    expect(deploymentGate(CRITERION, [0.9, 0.9, 0.9, 0.9, 0.8], [0.1, 0.1, 0.1, 0.1, 0.1]).deploy).toBe(true);
    expect(deploymentGate(CRITERION, null, null).reason).toBe('no judged validation queries to compare on: not enough evidence, keeping the model in service');
  });

  it('says when the new model is worse', () => {
    const inService = Array.from({ length: 12 }, () => 0.5);
    const decision = deploymentGate(
      CRITERION,
      inService.map((value) => value - 0.1),
      inService,
    );
    expect(decision.deploy).toBe(false);
    expect(decision.reason).toMatch(/gain −20\.0% .*: worse than the model in service, keeping the model in service$/);
  });
});
