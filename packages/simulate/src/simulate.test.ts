import { SeededRandom } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { attractiveness, cascadeModel, dynamicBayesianNetworkModel, positionBasedModel, resolveClickModel } from './click-models';
import { DEFAULT_EXAMINATION_PROPENSITIES } from '@clicktune/core';
import { simulateSessions, zipfSampler } from './sessions';

function clickRates(model: ReturnType<typeof positionBasedModel>, grades: number[], trials = 20_000, seed = 1): number[] {
  const random = SeededRandom.fromSeed(seed);
  const counts = grades.map(() => 0);
  for (let trial = 0; trial < trials; trial += 1) model.click(grades, random).clicks.forEach((clicked, position) => (counts[position] += clicked ? 1 : 0));
  return counts.map((count) => count / trials);
}

describe('attractiveness (ULTRA)', () => {
  it('ε⁻ + (ε⁺ − ε⁻)(2^y − 1)/(2^ymax − 1)', () => {
    expect(attractiveness(0)).toBeCloseTo(0.1, 12);
    expect(attractiveness(1)).toBeCloseTo(1, 12);
    // ymax 2, y 1: 0.1 + 0.9 · 1/3 = 0.4.
    expect(attractiveness(1, { maxGrade: 2 })).toBeCloseTo(0.4, 12);
  });
});

describe('click models', () => {
  it('PBM: click rate of a relevant result at k is θ_k (ε⁺ = 1), θ_k² with η = 2', () => {
    const rates = clickRates(positionBasedModel(), [1, 1, 1, 1]);
    rates.forEach((rate, position) => expect(Math.abs(rate - (DEFAULT_EXAMINATION_PROPENSITIES[position] as number))).toBeLessThan(0.015));
    const squared = clickRates(positionBasedModel({ eta: 2 }), [1, 1]);
    expect(Math.abs((squared[0] as number) - 0.68 ** 2)).toBeLessThan(0.015);
    // A non-relevant result at position 1: 0.68 × 0.1.
    expect(Math.abs((clickRates(positionBasedModel(), [0])[0] as number) - 0.068)).toBeLessThan(0.006);
  });

  it('cascade: one click at most; a relevant result after a non-relevant one is clicked 0.9 of the time', () => {
    const random = SeededRandom.fromSeed(2);
    const model = cascadeModel();
    for (let trial = 0; trial < 500; trial += 1) expect(model.click([1, 1, 1], random).clicks.filter(Boolean).length).toBeLessThanOrEqual(1);
    const rates = clickRates(model, [0, 1, 1]);
    expect(Math.abs((rates[0] as number) - 0.1)).toBeLessThan(0.01);
    expect(Math.abs((rates[1] as number) - 0.9)).toBeLessThan(0.01);
    expect(rates[2]).toBe(0);
    expect(model.click([0, 1, 1], random).examination).toEqual([1, 0.9, 0.9 * 0]);
  });

  it('DBN: satisfied users stop; with γ = 1 and nothing relevant every position is examined', () => {
    const model = dynamicBayesianNetworkModel({ gamma: 1 });
    const rates = clickRates(model, [0, 0, 0]);
    rates.forEach((rate) => expect(Math.abs(rate - 0.1)).toBeLessThan(0.01));
    expect(model.click([0, 0, 0], SeededRandom.fromSeed(1)).examination).toEqual([1, 1, 1]);
    // Grade 1: clicked surely, satisfied with 1/2 → the next result is examined half the time.
    const relevant = clickRates(model, [1, 1]);
    expect(Math.abs((relevant[1] as number) - 0.5)).toBeLessThan(0.015);
  });

  it('rejects bad options and unknown names', () => {
    expect(() => positionBasedModel({ examination: [0] })).toThrow(/examination/);
    expect(() => dynamicBayesianNetworkModel({ gamma: 2 })).toThrow(/gamma/);
    expect(() => positionBasedModel({ epsilonMinus: 0.5, epsilonPlus: 0.2 })).toThrow(/epsilon/);
    expect(() => resolveClickModel('ubm' as never)).toThrow(/unknown click model "ubm"/);
  });
});

describe('simulateSessions', () => {
  const queries = ['a', 'b', 'c', 'd'];
  const run = (seed: number) =>
    simulateSessions({
      queries,
      sessions: 4000,
      show: (query) => ['x', 'y', 'z'].map((item, position) => ({ id: `${query}-${item}`, score: 1 - position / 10 })),
      grade: (_query, item) => (item.endsWith('-y') ? 1 : 0),
      clickModel: positionBasedModel(),
      random: SeededRandom.fromSeed(seed),
      recordExamination: true,
    });

  it('writes valid sessions with the logged scores as ranks, clicks among results, examination recorded', () => {
    const sessions = run(3);
    expect(sessions).toHaveLength(4000);
    const first = sessions[0];
    expect(first?.results).toHaveLength(3);
    expect(first?.ranks?.get(first.results[1] as string)).toBeCloseTo(0.9, 12);
    expect(first?.examination?.get(first.results[0] as string)).toBe(0.68);
    // The relevant result sits at position 2: clicked at rate θ_2 = 0.61.
    const rate = sessions.filter((session) => session.events.includes(session.results[1] as string)).length / sessions.length;
    expect(Math.abs(rate - 0.61)).toBeLessThan(0.025);
  });

  it('is deterministic per seed', () => {
    expect(run(5).map((session) => JSON.stringify(session.toJSON()))).toEqual(run(5).map((session) => JSON.stringify(session.toJSON())));
  });

  it('draws queries with Zipf frequencies (the most frequent ≈ 1/H_n)', () => {
    const random = SeededRandom.fromSeed(9);
    const next = zipfSampler(queries, 1, random);
    const counts = new Map<string, number>();
    for (let draw = 0; draw < 25_000; draw += 1) {
      const query = next();
      counts.set(query, (counts.get(query) ?? 0) + 1);
    }
    const shares = [...counts.values()].sort((a, b) => b - a).map((count) => count / 25_000);
    const harmonic = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    shares.forEach((share, rank) => expect(Math.abs(share - 1 / (rank + 1) / harmonic)).toBeLessThan(0.012));
  });
});
