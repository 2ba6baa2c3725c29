import { describe, expect, it } from 'vitest';
import { meanMetrics, rankingMetrics, rankOrder } from './metrics';

describe('ranking metrics', () => {
  it('MRR, NDCG and Recall at k by hand', () => {
    // Re-ranked by score: [c (grade 0), a (grade 2), b (grade 1), d (0)].
    const metrics = rankingMetrics([0.5, 0.2, 0.9, 0.1], [2, 1, 0, 0], 3);
    expect(metrics.mrr).toBeCloseTo(1 / 2, 12);
    // DCG@3 = 0 + 3/log2(3) + 1/log2(4) = 1.892789 + 0.5; ideal = 3/1 + 1/log2(3) = 3.630930.
    expect(metrics.ndcg).toBeCloseTo((3 / Math.log2(3) + 0.5) / (3 + 1 / Math.log2(3)), 10);
    expect(metrics.recall).toBe(1);
    expect(rankingMetrics([0.5, 0.2, 0.9, 0.1], [2, 1, 0, 0], 1)).toEqual({ mrr: 0, ndcg: 0, recall: 0 });
  });
  it('uses the ideal of all judged items when given (items outside the list count against recall)', () => {
    const metrics = rankingMetrics([1, 0], [1, 0], 2, { idealGrades: [1, 1] });
    expect(metrics.recall).toBe(0.5);
    expect(metrics.ndcg).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 10);
  });
  it('distances rank ascending; ties keep display order; no relevant item scores 0', () => {
    expect(rankOrder([0.3, 0.1, 0.2], false)).toEqual([1, 2, 0]);
    expect(rankOrder([1, 1, 2])).toEqual([2, 0, 1]);
    expect(rankingMetrics([1, 2], [0, 0], 2)).toEqual({ mrr: 0, ndcg: 0, recall: 0 });
    expect(
      meanMetrics([
        { mrr: 1, ndcg: 0.5, recall: 0 },
        { mrr: 0, ndcg: 0.5, recall: 1 },
      ]),
    ).toEqual({ mrr: 0.5, ndcg: 0.5, recall: 0.5 });
    expect(() => rankingMetrics([1], [1], 0)).toThrow(/k must be/);
  });
});
