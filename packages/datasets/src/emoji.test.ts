import { rankingMetrics } from '@clicktune/core';
import { describe, expect, it } from 'vitest';
import { loadEmojiSample } from './emoji';

describe('the emoji sample', async () => {
  const sample = await loadEmojiSample();

  // Sizes and judgements are checked for every sample in samples.test.ts.
  it('is not lexical: no query word appears in any label', () => {
    const words = (text: string) =>
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean);
    const labelWords = new Set([...sample.labels.values()].flatMap((entry) => words(entry.label)));
    for (const query of sample.queries.ids) expect(words(query).some((word) => labelWords.has(word))).toBe(false);
  });

  it('base-embedding retrieval reproduces the recorded success@10 and MRR@10', () => {
    const dimension = sample.items.dimension;
    const unit = (vector: Float32Array) => {
      const norm = Math.hypot(...vector) || 1;
      return Array.from(vector, (value) => value / norm);
    };
    const items = sample.items.ids.map((id) => unit(sample.items.embeddingOf(id)));
    let success = 0;
    let mrr = 0;
    for (const query of sample.queries.ids) {
      const q = unit(sample.queries.embeddingOf(query));
      const scores = items.map((vector) => {
        let dot = 0;
        for (let index = 0; index < dimension; index += 1) dot += (vector[index] as number) * (q[index] as number);
        return dot;
      });
      const judged = sample.relevance.get(query) ?? new Map();
      const metrics = rankingMetrics(
        scores,
        sample.items.ids.map((id) => judged.get(id) ?? 0),
        10,
      );
      if (metrics.mrr > 0) success += 1;
      mrr += metrics.mrr;
    }
    expect(success / sample.queries.size).toBeCloseTo(sample.meta.baseline.successAt10, 3);
    expect(mrr / sample.queries.size).toBeCloseTo(sample.meta.baseline.mrrAt10, 3);
    expect(sample.meta.baseline.successAt10).toBeGreaterThan(0.3);
  });
});
