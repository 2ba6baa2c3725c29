import { SeededRandom } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { explorationSlots, noExploration } from './policies';

const ranked = Array.from({ length: 60 }, (_, rank) => ({ id: `d${rank}`, score: 1 - rank / 100 }));

describe('exploration policies', () => {
  it('no exploration shows the top k with propensity 1', () => {
    const shown = noExploration({ k: 3 }).choose(ranked, SeededRandom.fromSeed(1));
    expect(shown.map((entry) => [entry.id, entry.propensity, entry.explored])).toEqual([
      ['d0', 1, false],
      ['d1', 1, false],
      ['d2', 1, false],
    ]);
  });

  it('slots keep the top k − s and fill s slots from ranks k − s + 1 … depth, logging 1/|pool|', () => {
    const policy = explorationSlots({ k: 10, slots: 2, depth: 50 });
    expect(policy.explorationShare).toBe(0.2);
    const shown = policy.choose(ranked, SeededRandom.fromSeed(2));
    expect(shown.slice(0, 8).map((entry) => entry.id)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
    const explored = shown.slice(8);
    expect(explored).toHaveLength(2);
    for (const entry of explored) {
      const rank = Number(entry.id.slice(1));
      expect(rank).toBeGreaterThanOrEqual(8);
      expect(rank).toBeLessThan(50);
      // The pool holds ranks 8 … 49: 42 candidates.
      expect(entry.propensity).toBeCloseTo(1 / 42, 12);
      expect(entry.explored).toBe(true);
    }
    expect(new Set(shown.map((entry) => entry.id)).size).toBe(10);
  });

  it('the logged propensity is the empirical frequency of a pooled item in a slot', () => {
    const policy = explorationSlots({ k: 4, slots: 1, depth: 8 });
    const random = SeededRandom.fromSeed(3);
    let hits = 0;
    const trials = 20_000;
    for (let trial = 0; trial < trials; trial += 1) if (policy.choose(ranked, random)[3]?.id === 'd5') hits += 1;
    // Pool: ranks 3 … 7 (5 candidates) → 1/5.
    expect(Math.abs(hits / trials - 0.2)).toBeLessThan(0.012);
  });

  it('puts the slots at the given positions, the ranking keeping its order around them', () => {
    const shown = explorationSlots({ k: 5, slots: 2, depth: 20, positions: [1, 3] }).choose(ranked, SeededRandom.fromSeed(4));
    expect(shown.map((entry) => entry.explored)).toEqual([false, true, false, true, false]);
    expect([shown[0], shown[2], shown[4]].map((entry) => entry?.id)).toEqual(['d0', 'd1', 'd2']);
    expect(() => explorationSlots({ k: 5, slots: 2, positions: [1, 1] })).toThrow(/positions/);
  });

  it('validates its options', () => {
    expect(() => explorationSlots({ k: 10, slots: 11 })).toThrow(/slots/);
    expect(() => explorationSlots({ k: 10, depth: 5 })).toThrow(/depth/);
  });
});
