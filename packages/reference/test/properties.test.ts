import type { FineTuningInput } from '@clicktune/core';
import { serializeBatchPlan } from '@clicktune/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeaturesExtractor } from '../src/extractor';
import { baseEmbeddingModel } from '../src/models';
import { CATALOGUE_SIZE, catalogue, sessionArbitrary } from '@clicktune/test-fixtures';

const items = catalogue(CATALOGUE_SIZE, 3, [1, -2, 3, 0, 2]);
const batchArbitrary = fc.array(sessionArbitrary, { minLength: 1, maxLength: 8 });
const optionsArbitrary = fc.record({
  factor: fc.constantFrom(0.1, 0.3, 0.5, 1),
  min: fc.constantFrom(0, 0.05, 0.2),
  width: fc.constantFrom(0.3, 1, 2.5),
  paired: fc.boolean(),
  calculator: fc.constantFrom('dummy', 'slidingWindow', 'positionBias') as fc.Arbitrary<'dummy' | 'slidingWindow' | 'positionBias'>,
  aggregator: fc.constantFrom('mean', 'min', 'max') as fc.Arbitrary<'mean' | 'min' | 'max'>,
  seed: fc.integer({ min: 0, max: 1000 }),
});

function objectsOf(session: FineTuningInput): string[] {
  return [...new Set(session.results.map((id) => session.objectOf(id)))];
}

describe('planner and reference extractor properties (fast-check)', () => {
  it('features line up, respect objects, downsampling, bounds and the strict filter', () => {
    fc.assert(
      fc.property(batchArbitrary, optionsArbitrary, (batch, options) => {
        const extractor = new FeaturesExtractor(baseEmbeddingModel(), {
          negativeDownsamplingFactor: options.factor,
          minAbsDifference: options.min,
          maxAbsDifference: options.min + options.width,
          notIrrelevantOnly: !options.paired,
          confidenceCalculator: options.calculator,
          ranksAggregator: options.aggregator,
          seed: options.seed,
        });
        const { features, plan, execution } = extractor.forward(batch, items);
        const unfiltered = execution.unfiltered;

        // All fields have one entry per pair.
        for (const field of [features.negativeRanks, features.positiveConfidences, features.negativeConfidences, features.target, features.sessionIndex]) {
          expect(field.length).toBe(features.length);
        }
        // The filter is strict: kept pairs inside (min, max), dropped ones outside.
        const min = options.min;
        const max = options.min + options.width;
        for (let pair = 0; pair < features.length; pair += 1) {
          const difference = Math.abs((features.positiveRanks[pair] as number) - (features.negativeRanks[pair] as number));
          expect(difference > min && difference < max).toBe(true);
        }
        const kept = unfiltered.select(
          Array.from({ length: unfiltered.length }, (_, pair) => pair).filter((pair) => {
            const difference = Math.abs((unfiltered.positiveRanks[pair] as number) - (unfiltered.negativeRanks[pair] as number));
            return difference > min && difference < max;
          }),
        );
        expect(kept.length).toBe(features.length);

        batch.forEach((session, sessionIndex) => {
          const own = Array.from(plan.pairSession, (owner, pair) => (owner === sessionIndex ? pair : -1)).filter((pair) => pair >= 0);
          const displayed = new Set(objectsOf(session));
          const clickedObjects = new Set(session.events.map((id) => session.objectOf(id)));
          const negatives = new Set(own.map((pair) => plan.objectIds[plan.pairNegative[pair] as number] as string));
          // Negatives come from the session's own display and are never clicked objects.
          for (const negative of negatives) {
            expect(displayed.has(negative)).toBe(true);
            expect(clickedObjects.has(negative)).toBe(false);
          }
          if (session.isIrrelevant) return;
          const positives = new Set(own.map((pair) => plan.objectIds[plan.pairPositive[pair] as number] as string));
          for (const positive of positives) expect(clickedObjects.has(positive)).toBe(true);
          const negativeCount = [...displayed].filter((object) => !clickedObjects.has(object)).length;
          // Downsampling count rule and the P × N bound.
          if (negativeCount > 0) {
            expect(negatives.size).toBe(Math.max(1, Math.floor(options.factor * negativeCount)));
            expect(own.length).toBe(clickedObjects.size * negatives.size);
          } else {
            expect(own.length).toBe(0);
          }
        });
        expect(plan.report.pairs).toBe(plan.pairPositive.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic per seed', () => {
    fc.assert(
      fc.property(batchArbitrary, fc.integer({ min: 0, max: 100 }), (batch, seed) => {
        const run = () =>
          serializeBatchPlan(
            new FeaturesExtractor(baseEmbeddingModel(), { negativeDownsamplingFactor: 0.5, notIrrelevantOnly: false, shuffleIrrelevant: true, seed }).plan(batch, items),
          );
        expect(run()).toBe(run());
      }),
      { numRuns: 100 },
    );
  });
});
