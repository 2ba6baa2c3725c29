import { selectBackend } from '@clicktune/backends';
import { FineTuningInput, ItemsSet, queryKeyOf, queryOfKey } from '@clicktune/core';
import { LinearAdapter } from '@clicktune/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { clickJudgements, clickModelRelevance, judgedNdcg, relevanceSessions, startingCandidates } from './click-labels';

/**
 * 20 sessions of query q alternate [a, b] and [b, a]; a is clicked every time,
 * b never. EM then identifies θ₁ = θ₂ = 1, γ_a = 1 and γ_b ≈ 0. One more
 * session of q shows [a, b, x] (x never clicked; θ₃ is not identified and
 * stays at EM's start, 0.5), so after rescaling to θ₁ = 0.68, b has
 * 21 × 0.68 = 14.28 expected examinations and x 0.5 × 0.68 = 0.34. y is
 * clicked once, in a session of its own query r.
 */
function logs(): FineTuningInput[] {
  const sessions = Array.from({ length: 20 }, (_, index) => FineTuningInput.create({ query: 'q', results: index % 2 === 0 ? ['a', 'b'] : ['b', 'a'], events: ['a'] }));
  sessions.push(FineTuningInput.create({ query: 'q', results: ['a', 'b', 'x'], events: ['a'] }));
  sessions.push(FineTuningInput.create({ query: 'r', results: ['a', 'y'], events: ['y'] }));
  return sessions;
}

describe('clickJudgements', () => {
  it('judges clicked pairs relevant, well-examined unclicked pairs not relevant, and leaves the rest unjudged', () => {
    const judged = clickJudgements(logs(), { minExamination: 4 });
    expect(Object.fromEntries(judged.get('id:q') ?? [])).toEqual({ a: 1, b: 0 });
    // y has one click (< 2) and 0.34 examinations, a in r was examined once at the top (0.68): neither is judged.
    expect(judged.has('id:r')).toBe(false);
  });

  it('needs the expected examinations, not the impressions, to reach minExamination', () => {
    // b: 14.28 expected examinations from 21 impressions.
    expect(clickJudgements(logs(), { minExamination: 14.2 }).get('id:q')?.get('b')).toBe(0);
    expect(clickJudgements(logs(), { minExamination: 14.4 }).get('id:q')?.has('b')).toBe(false);
  });

  it('judges every shown pair when no evidence is asked for', () => {
    const judged = clickJudgements(logs(), { minExamination: 0 });
    expect(Object.fromEntries(judged.get('id:q') ?? [])).toEqual({ a: 1, b: 0, x: 0 });
    expect(Object.fromEntries(judged.get('id:r') ?? [])).toEqual({ a: 0, y: 0 });
  });
});

describe('judgedNdcg', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('ranks only the judged items (condensed list): an unjudged item the model puts first does not count against it', async () => {
    // Cosine to q = [1, 0]: d 1, b 0.949, a 0.6, c 0 — the model's order is d, b, a, c.
    const items = ItemsSet.fromEmbeddings(['a', 'b', 'c', 'd'], Float32Array.from([0.6, 0.8, 0.9, 0.3, 0, 1, 1, 0]), 2);
    const queries = ItemsSet.fromEmbeddings(['q', 'p'], Float32Array.from([1, 0, 0, 1]), 2, { what: 'query' });
    const model = new LinearAdapter({ inputDimension: 2, queries });
    const judgements = new Map([
      [
        'id:q',
        new Map([
          ['a', 1],
          ['b', 0],
          ['c', 0],
        ]),
      ],
      // A query without a relevant judgement says nothing about ranking and is left out of the mean.
      ['id:p', new Map([['c', 0]])],
    ]);
    // Judged list b, a, c: the one relevant item at rank 2, DCG = 1 / log2(3), ideal DCG = 1.
    // (Counting d as not relevant would put a at rank 3: 0.5.)
    expect(await judgedNdcg(model, judgements, items)).toBeCloseTo(1 / Math.log2(3), 6);
    model.dispose();
  });

  it('is 0 when no query has a relevant judgement', async () => {
    const items = ItemsSet.fromEmbeddings(['a'], Float32Array.from([1, 0]), 2);
    const queries = ItemsSet.fromEmbeddings(['q'], Float32Array.from([1, 0]), 2, { what: 'query' });
    const model = new LinearAdapter({ inputDimension: 2, queries });
    expect(await judgedNdcg(model, new Map([['id:q', new Map([['a', 0]])]]), items)).toBe(0);
    model.dispose();
  });
});

describe('relevanceSessions', () => {
  it('gives each query with a relevant pair one session: every item shown to it, the relevant ones as events', () => {
    const sessions = relevanceSessions(logs(), clickModelRelevance(logs()));
    // r's only click (y, once) is not relevant, so r has no session.
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.query).toEqual({ kind: 'id', id: 'q' });
    expect(sessions[0]?.results).toEqual(['a', 'b', 'x']);
    expect(sessions[0]?.events).toEqual(['a']);
  });

  it('lists the given candidates first, then the relevant results they miss', () => {
    const sessions = relevanceSessions(logs(), clickModelRelevance(logs()), { candidates: new Map([['id:q', ['c', 'b']]]) });
    expect(sessions[0]?.results).toEqual(['c', 'b', 'a']);
    expect(sessions[0]?.events).toEqual(['a']);
    // The list order is the search order.
    expect(sessions[0]?.ranks?.get('c')).toBeGreaterThan(sessions[0]?.ranks?.get('a') as number);
  });

  it('keeps embedded queries as they were', () => {
    const embedding = [0.1, -2.5, 3e-7];
    const logged = Array.from({ length: 4 }, () => FineTuningInput.create({ query: { embedding }, results: ['a', 'b'], events: ['a'] }));
    const [session] = relevanceSessions(logged, clickModelRelevance(logged));
    expect(session?.query.kind).toBe('embedding');
    expect(queryKeyOf(session as FineTuningInput)).toBe(queryKeyOf(logged[0] as FineTuningInput));
    expect(queryOfKey(queryKeyOf(logged[0] as FineTuningInput))).toEqual(logged[0]?.query);
  });
});

describe('startingCandidates', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  // 30 items on the unit circle at angles 0°, 3°, …, 87°; query q at 0°: the starting model ranks item i i-th.
  const items = ItemsSet.fromEmbeddings(
    Array.from({ length: 30 }, (_, index) => `i${index}`),
    Float32Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? Math.cos : Math.sin)((Math.floor(index / 2) * 3 * Math.PI) / 180)),
    2,
  );
  const queries = ItemsSet.fromEmbeddings(['q'], Float32Array.of(1, 0), 2, { what: 'query' });
  const log = [FineTuningInput.create({ query: 'q', results: ['i5', 'i7'], events: ['i7'] })];

  it('with a catalogue larger than batch size × pool: the top 20 head the lists, the top `pool` rows are the pool', async () => {
    const model = new LinearAdapter({ inputDimension: 2, queries });
    // 30 items > 4 × 6.
    const { candidates, pools } = await startingCandidates(model, log, items, { pool: 6, batchSize: 4 });
    expect(candidates.get('id:q')).toEqual(Array.from({ length: 20 }, (_, index) => `i${index}`));
    expect(Array.from(pools?.get('id:q') ?? [])).toEqual([0, 1, 2, 3, 4, 5]);
    // A pool deeper than the list head: still 20 candidates.
    expect((await startingCandidates(model, log, items, { pool: 25, batchSize: 1 })).candidates.get('id:q')).toHaveLength(20);
    model.dispose();
  });

  it('scores a catalogue the pools could cover whole: no pools (30 ≤ 5 × 6), nor with pool 0', async () => {
    const model = new LinearAdapter({ inputDimension: 2, queries });
    for (const options of [
      { pool: 6, batchSize: 5 },
      { pool: 0, batchSize: 4 },
    ]) {
      const { candidates, pools } = await startingCandidates(model, log, items, options);
      expect(pools).toBeUndefined();
      expect(candidates.get('id:q')).toHaveLength(20);
    }
    model.dispose();
  });
});
