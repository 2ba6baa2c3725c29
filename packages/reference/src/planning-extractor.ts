import { type BatchPlan, describeSessionObjects, type FineTuningInput, type ItemsSet, keptNegatives, planBatch, SeededRandom } from '@clicktune/core';
import { type FeaturesExtractorOptions, type ResolvedFeaturesExtractorOptions, resolveFeaturesExtractorOptions } from './options';

/**
 * What every FeaturesExtractor shares, whatever executes its plans: option
 * resolution, the seeded random stream, and EmbeddingStudio's per-session
 * entry points — all thin entries over the one planner. The reference and
 * tensor extractors extend it and add execution.
 */
export abstract class PlanningExtractor {
  readonly options: ResolvedFeaturesExtractorOptions;
  protected random: SeededRandom;
  protected readonly queries: ItemsSet | undefined;
  /** The catalogue of the batch being planned (for scoring sessions logged without search scores). */
  protected currentItems: ItemsSet | undefined;

  constructor(options: FeaturesExtractorOptions & { queries?: ItemsSet } = {}) {
    this.options = resolveFeaturesExtractorOptions(options, (input) => this.searchScores(input));
    this.random = SeededRandom.fromSeed(this.options.seed);
    this.queries = options.queries;
  }

  /** Restarts the random stream (same seed → same downsampling again). */
  reseed(seed = this.options.seed): void {
    this.random = SeededRandom.fromSeed(seed);
  }

  /** The random stream's state (for checkpoints) and its restoration. */
  randomState(): number[] {
    return this.random.state();
  }

  restoreRandomState(state: readonly number[]): void {
    this.random = SeededRandom.fromState(state);
  }

  /** Step 4 for one session: each displayed object's confidence, by object id. */
  confidences(input: FineTuningInput): Map<string, number> {
    const objects = describeSessionObjects(input, 0, this.options.plan);
    return new Map(objects.ids.map((id, index) => [id, objects.confidences[index] as number]));
  }

  /** Step 3 for one session: the result ids of the kept negative objects, all parts, display order. */
  downsampleNotEvents(input: FineTuningInput): string[] {
    const objects = describeSessionObjects(input, 0, this.options.plan);
    const kept = keptNegatives(objects, this.options.plan.negativeDownsamplingFactor, this.random);
    return kept.flatMap((object) => (objects.parts[object] as number[]).map((resultIndex) => input.results[resultIndex] as string));
  }

  /** Compiles a batch (no model evaluation). */
  plan(batch: readonly FineTuningInput[], items: ItemsSet): BatchPlan {
    this.currentItems = items;
    return planBatch(batch, items, this.options.plan, this.random, { queries: this.queries });
  }

  /** Compiles one (relevant, irrelevant) pair: the relevant session's pairs, then the borrowed ones (step 8). */
  planPaired(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): BatchPlan {
    this.currentItems = items;
    return planBatch([relevant, irrelevant], items, { ...this.options.plan, notIrrelevantOnly: false, shuffleIrrelevant: false }, this.random, {
      queries: this.queries,
    });
  }

  /** The current model's rank of each result of a session logged without search scores (no gradients). */
  protected abstract searchScores(input: FineTuningInput): Float32Array;
}
