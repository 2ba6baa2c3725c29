import { rankingMetrics } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { loadSample, SAMPLE_NAMES } from './samples';

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

describe.each(SAMPLE_NAMES)('the %s sample', async (name) => {
  const sample = await loadSample(name);

  it('has the documented sizes and judgements that name its own items and queries', () => {
    expect(sample.items.size).toBe(sample.meta.items);
    expect(sample.queries.size).toBe(sample.meta.queries);
    expect(sample.items.dimension).toBe(100);
    let judgements = 0;
    for (const [query, grades] of sample.relevance) {
      expect(sample.queries.has(query)).toBe(true);
      for (const item of grades.keys()) expect(sample.items.has(item)).toBe(true);
      judgements += grades.size;
    }
    expect(judgements).toBe(sample.meta.judgements);
  });

  it('base-embedding retrieval reproduces the recorded MRR@10 on a sample of queries', () => {
    // Brute-force cosine over every query of a small sample, every 10th of a large one (loosely then: the figure is over all).
    const unit = (vector: Float32Array) => {
      const norm = Math.hypot(...vector) || 1;
      return Array.from(vector, (value) => value / norm);
    };
    const items = sample.items.ids.map((id) => unit(sample.items.embeddingOf(id)));
    let mrr = 0;
    const step = sample.queries.size > 1000 ? 10 : 1;
    const queries = sample.queries.ids.filter((_, index) => index % step === 0);
    for (const query of queries) {
      const q = unit(sample.queries.embeddingOf(query));
      const scores = items.map((vector) => vector.reduce((sum, value, index) => sum + value * (q[index] as number), 0));
      const judged = sample.relevance.get(query) ?? new Map();
      mrr += rankingMetrics(
        scores,
        sample.items.ids.map((id) => judged.get(id) ?? 0),
        10,
      ).mrr;
    }
    if (step === 1) expect(mrr / queries.length).toBeCloseTo(sample.meta.baseline.mrrAt10, 6);
    else expect(Math.abs(mrr / queries.length - sample.meta.baseline.mrrAt10)).toBeLessThan(0.05);
  });
});

describe('the icons sample', async () => {
  const sample = await loadSample('icons');
  it('is not lexical: no query word appears in any icon name', () => {
    const nameWords = new Set([...sample.labels.values()].flatMap(words));
    for (const query of sample.queries.ids) expect(words(query).some((word) => nameWords.has(word))).toBe(false);
  });
  it('is the large task: over 3,000 queries and 5,000 icons', () => {
    expect(sample.queries.size).toBeGreaterThan(3000);
    expect(sample.items.size).toBeGreaterThan(5000);
  });
});

describe('the capitals sample', async () => {
  const sample = await loadSample('capitals');
  it('is the small task: at most 300 queries, each with exactly one relevant city', () => {
    expect(sample.queries.size).toBeLessThanOrEqual(300);
    for (const grades of sample.relevance.values()) expect(grades.size).toBe(1);
    expect(sample.labels.get(sample.relevance.get('france')?.keys().next().value as string)).toBe('Paris (FR)');
  });
});
