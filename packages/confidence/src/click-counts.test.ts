import { FineTuningInput, SeededRandom } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { ClickCounts } from './click-counts';
import { type ClickObservation, clickObservations, estimatePropensitiesEm } from './propensities';

/** A log where rankings vary, so the EM has something to identify: 12 queries, 6 items each, 3000 sessions. */
function sessionsLog(seed: number, count: number): FineTuningInput[] {
  const random = SeededRandom.fromSeed(seed);
  const theta = [0.9, 0.6, 0.45, 0.3, 0.2];
  const gammas = Array.from({ length: 12 }, () => Array.from({ length: 6 }, () => 0.1 + 0.8 * random.nextFloat()));
  return Array.from({ length: count }, (_, index) => {
    const query = random.nextInt(12);
    const order = random.shuffle([0, 1, 2, 3, 4, 5]).slice(0, 5);
    const results = order.map((item) => `d${item}`);
    const events = results.filter((_, position) => random.nextFloat() < (theta[position] as number) * (gammas[query]?.[order[position] as number] as number));
    return FineTuningInput.create({ query: `q${query}`, results, events, sessionId: `s${index}` });
  });
}

/** The EM as first written, one observation at a time: the oracle for the EM on counts. */
function perObservationEm(observations: readonly ClickObservation[], positions: number): { theta: Float64Array; gamma: Map<string, number> } {
  const keys = [...new Set(observations.map((observation) => `${observation.query}\u0000${observation.item}`))];
  const index = new Map(keys.map((key, pair) => [key, pair]));
  const theta = new Float64Array(positions).fill(0.5);
  const gamma = new Float64Array(keys.length).fill(0.5);
  for (let iteration = 0; iteration < 200; iteration += 1) {
    const thetaNumerator = new Float64Array(positions);
    const thetaCount = new Float64Array(positions);
    const gammaNumerator = new Float64Array(keys.length);
    const gammaCount = new Float64Array(keys.length);
    for (const observation of observations) {
      const position = observation.position;
      const pair = index.get(`${observation.query}\u0000${observation.item}`) as number;
      const examine = theta[position] as number;
      const relevant = gamma[pair] as number;
      thetaCount[position] = (thetaCount[position] as number) + 1;
      gammaCount[pair] = (gammaCount[pair] as number) + 1;
      const noClick = 1 - examine * relevant;
      thetaNumerator[position] = (thetaNumerator[position] as number) + (observation.clicked ? 1 : (examine * (1 - relevant)) / noClick);
      gammaNumerator[pair] = (gammaNumerator[pair] as number) + (observation.clicked ? 1 : ((1 - examine) * relevant) / noClick);
    }
    let change = 0;
    for (let position = 0; position < positions; position += 1) {
      const next = Math.min(1, Math.max(1e-3, (thetaNumerator[position] as number) / (thetaCount[position] as number)));
      change = Math.max(change, Math.abs(next - (theta[position] as number)));
      theta[position] = next;
    }
    for (let pair = 0; pair < keys.length; pair += 1) gamma[pair] = Math.min(1, Math.max(1e-6, (gammaNumerator[pair] as number) / (gammaCount[pair] as number)));
    if (change < 1e-7) break;
  }
  return { theta, gamma: new Map(keys.map((key, pair) => [key, gamma[pair] as number])) };
}

describe('ClickCounts', () => {
  it('counts impressions and clicks per (query, item, position) and sessions per query, by hand', () => {
    const counts = ClickCounts.fromSessions(
      [
        FineTuningInput.create({ query: 'q', results: ['a', 'b', 'c'], events: ['b'] }),
        FineTuningInput.create({ query: 'q', results: ['b', 'a'], events: ['b'] }),
        FineTuningInput.create({ query: 'q', results: ['a', 'b'], events: [] }),
        FineTuningInput.create({ query: { text: 'red shoes' }, results: ['c'], events: ['c'] }),
      ],
      2,
    );
    // 'c' at position 2 of the first session is below maxPositions = 2: not counted.
    expect([...counts.cells()]).toEqual([
      { query: 'id:q', item: 'a', position: 0, impressions: 2, clicks: 0 },
      { query: 'id:q', item: 'b', position: 1, impressions: 2, clicks: 1 },
      { query: 'id:q', item: 'b', position: 0, impressions: 1, clicks: 1 },
      { query: 'id:q', item: 'a', position: 1, impressions: 1, clicks: 0 },
      { query: 'text:red shoes', item: 'c', position: 0, impressions: 1, clicks: 1 },
    ]);
    expect(counts.sessions).toBe(4);
    expect(counts.sessionsOf('id:q')).toBe(3);
    expect(counts.queries()).toEqual(['id:q', 'text:red shoes']);
    expect(counts.queryReference('text:red shoes')).toEqual({ kind: 'text', text: 'red shoes' });
    const restricted = counts.restrictedTo((key) => key.startsWith('text:'));
    expect([...restricted.cells()]).toEqual([{ query: 'text:red shoes', item: 'c', position: 0, impressions: 1, clicks: 1 }]);
    expect(restricted.sessions).toBe(1);
  });

  it('grows with distinct cells, not with sessions: the same log ten times over has the same cells, ten times the counts', async () => {
    const log = sessionsLog(3, 300);
    const once = ClickCounts.fromSessions(log);
    async function* tenTimes() {
      for (let round = 0; round < 10; round += 1) yield* log;
    }
    const streamed = await ClickCounts.fromStream(tenTimes());
    expect(streamed.size).toBe(once.size);
    expect(streamed.sessions).toBe(3000);
    const onceCells = [...once.cells()];
    [...streamed.cells()].forEach((cell, index) => {
      expect(cell.impressions).toBe((onceCells[index]?.impressions as number) * 10);
      expect(cell.clicks).toBe((onceCells[index]?.clicks as number) * 10);
    });
  });

  it('rejects counts that cannot be (clicks above impressions, NaN, a negative position)', () => {
    const counts = new ClickCounts();
    expect(() => counts.addCounts({ kind: 'id', id: 'q' }, 'a', 0, 2, 3)).toThrow(/0 ≤ clicks ≤ impressions/);
    expect(() => counts.addCounts({ kind: 'id', id: 'q' }, 'a', 0, Number.NaN, 0)).toThrow(/0 ≤ clicks ≤ impressions/);
    expect(() => counts.addCounts({ kind: 'id', id: 'q' }, 'a', -1, 2, 1)).toThrow(/position must be a whole number/);
    expect(() => new ClickCounts(0)).toThrow(/maxPositions/);
  });
});

describe('the PBM EM on counts', () => {
  const log = sessionsLog(11, 3000);

  it('gives the estimates of the per-observation EM (to 1e-12), from sessions, observations or aggregated counts alike', () => {
    const observations = clickObservations(log, 10);
    const oracle = perObservationEm(observations, 5);
    const fromCounts = estimatePropensitiesEm(ClickCounts.fromSessions(log), { positions: 5 });
    const fromObservations = estimatePropensitiesEm(observations, { positions: 5 });
    for (const estimate of [fromCounts, fromObservations]) {
      Array.from(oracle.theta).forEach((theta, position) => expect(Math.abs((estimate.propensities[position] as number) - theta)).toBeLessThan(1e-12));
      expect(estimate.pairs.length).toBe(oracle.gamma.size);
      for (const pair of estimate.pairs) expect(Math.abs(pair.attractiveness - (oracle.gamma.get(`${pair.query}\u0000${pair.item}`) as number))).toBeLessThan(1e-12);
    }
    // A warehouse's GROUP BY, fed in as counts, is the same log.
    const aggregated = new ClickCounts();
    for (const cell of ClickCounts.fromSessions(log).cells())
      aggregated.addCounts({ kind: 'id', id: cell.query.slice(3) }, cell.item, cell.position, cell.impressions, cell.clicks);
    const fromAggregated = estimatePropensitiesEm(aggregated, { positions: 5 });
    expect(Array.from(fromAggregated.propensities)).toEqual(Array.from(fromCounts.propensities));
    expect(fromAggregated.pairs).toEqual(fromCounts.pairs);
  });
});
