import { FineTuningInput, SeededRandom } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { type ClickObservation, clickObservations, estimatePropensitiesEm, estimatePropensitiesFromRandomization } from './propensities';

const trueTheta = [0.9, 0.6, 0.4, 0.25, 0.15];

/** Logs of a PBM user on rankings that are shuffled per impression, so position varies independently of relevance. */
function simulate(seed: number, impressions: number): ClickObservation[] {
  const random = SeededRandom.fromSeed(seed);
  const queries = Array.from({ length: 30 }, (_, query) => ({
    items: Array.from({ length: 8 }, (_, item) => ({ id: `d${item}`, gamma: 0.2 + 0.7 * random.nextFloat() })),
    id: `q${query}`,
  }));
  const observations: ClickObservation[] = [];
  for (let impression = 0; impression < impressions; impression += 1) {
    const query = queries[random.nextInt(queries.length)] as (typeof queries)[number];
    const shown = random.shuffle([...query.items]).slice(0, trueTheta.length);
    shown.forEach((item, position) => {
      const clicked = random.nextFloat() < (trueTheta[position] as number) * item.gamma;
      observations.push({ query: query.id, item: item.id, position, clicked });
    });
  }
  return observations;
}

describe('propensity estimation', () => {
  const observations = simulate(7, 20_000);

  it('EM recovers the relative examination propensities and never lowers the likelihood', () => {
    const estimate = estimatePropensitiesEm(observations);
    const ratios = Array.from(estimate.propensities, (theta) => theta / (estimate.propensities[0] as number));
    trueTheta.forEach((theta, position) => expect(Math.abs((ratios[position] as number) - theta / 0.9)).toBeLessThan(0.05));
    for (let index = 1; index < estimate.logLikelihood.length; index += 1) {
      expect(estimate.logLikelihood[index]).toBeGreaterThanOrEqual((estimate.logLikelihood[index - 1] as number) - 1e-6);
    }
  });

  it("EM also recovers each pair's attractiveness up to the same scale", () => {
    const estimate = estimatePropensitiesEm(observations);
    const scale = 0.9 / (estimate.propensities[0] as number);
    const truth = new Map<string, number>();
    const random = SeededRandom.fromSeed(7);
    // Re-draw the simulated gammas: same seed, same order as simulate().
    for (let query = 0; query < 30; query += 1) for (let item = 0; item < 8; item += 1) truth.set(`q${query}\u0000d${item}`, 0.2 + 0.7 * random.nextFloat());
    let error = 0;
    for (const pair of estimate.pairs) error += Math.abs(pair.attractiveness / scale - (truth.get(`${pair.query}\u0000${pair.item}`) as number));
    expect(error / estimate.pairs.length).toBeLessThan(0.05);
    expect(estimate.pairs.reduce((sum, pair) => sum + pair.impressions, 0)).toBe(observations.length);
  });

  it('result randomisation gives θ_k / θ_1 from click-through rates', () => {
    const estimate = estimatePropensitiesFromRandomization(observations, { firstPosition: 0.9 });
    trueTheta.forEach((theta, position) => expect(Math.abs((estimate[position] as number) - theta)).toBeLessThan(0.04));
  });

  it('reads observations from sessions and rejects empty logs', () => {
    const session = FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['b'] });
    expect(clickObservations([session], 2)).toEqual([
      { query: 'id:q', item: 'a', position: 0, clicked: false },
      { query: 'id:q', item: 'b', position: 1, clicked: true },
    ]);
    expect(() => estimatePropensitiesEm([])).toThrow(/no click observations/);
  });
});
