import { describe, expect, it } from 'vitest';
import { resolveFeaturesExtractorOptions } from './options';

describe('FeaturesExtractor options', () => {
  it("fill DESIGN.md's defaults", () => {
    const options = resolveFeaturesExtractorOptions();
    expect(options.ranker.kind).toBe('cosine');
    expect(options.ranksAggregator.kind).toBe('mean');
    expect(options.confidenceCalculator.name).toBe('dummy');
    expect(options.seed).toBe(0);
    expect(options.plan).toMatchObject({
      isSimilarity: true,
      negativeDownsamplingFactor: 1,
      minAbsDifference: 0,
      maxAbsDifference: 1,
      notIrrelevantOnly: true,
      missingItems: 'error',
    });
    // The clicks aggregator is max: an object with one clicked part of two is clicked.
    expect(options.plan.aggregateClicks(Float32Array.of(0, 1))).toBe(1);
  });

  it('follow the ranker: a distance ranker is not a similarity unless said so', () => {
    expect(resolveFeaturesExtractorOptions({ ranker: 'euclidean' }).plan.isSimilarity).toBe(false);
    expect(resolveFeaturesExtractorOptions({ ranker: 'negativeEuclidean' }).plan.isSimilarity).toBe(true);
    expect(resolveFeaturesExtractorOptions({ ranker: 'euclidean', isSimilarity: true }).plan.isSimilarity).toBe(true);
  });

  it('refuse a bad option with a typed error naming its field', () => {
    const failure = (options: Parameters<typeof resolveFeaturesExtractorOptions>[0]) => {
      try {
        resolveFeaturesExtractorOptions(options);
      } catch (error) {
        const typed = error as { code: string; location?: { field?: string } };
        return `${typed.code} ${typed.location?.field}`;
      }
      return 'accepted';
    };
    expect(failure({ ranker: 'manhattan' as never })).toBe('invalid-option ranker');
    expect(failure({ seed: 1.5 })).toBe('invalid-option seed');
    expect(failure({ negativeDownsamplingFactor: 0 })).toBe('invalid-option negativeDownsamplingFactor');
    expect(failure({ missingItems: 'ignore' as never })).toBe('invalid-option missingItems');
    expect(failure({ seed: 7, negativeDownsamplingFactor: 0.5 })).toBe('accepted');
  });
});
