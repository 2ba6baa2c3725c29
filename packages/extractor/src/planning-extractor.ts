import { type BatchPlan, type FineTuningInput, InvalidSessionError, type ItemsSet, planBatch, SeededRandom } from '@clicktune/core';
import { describeSessionObjects, keptNegatives } from '@clicktune/core/internal';
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
  /** The model's scores of a batch's sessions logged without search scores, computed before planning it (`planAsync`). */
  private scoredBeforePlanning: Map<FineTuningInput, ArrayLike<number>> | undefined;

  constructor(options: FeaturesExtractorOptions & { queries?: ItemsSet } = {}) {
    this.options = resolveFeaturesExtractorOptions(options, (input) => this.scoredBeforePlanning?.get(input) ?? this.searchScores(input));
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

  /**
   * Step 4 for one session: each displayed object's confidence, by object id.
   * A session logged without search scores is scored by the model first: give the catalogue.
   */
  async confidences(input: FineTuningInput, items?: ItemsSet): Promise<Map<string, number>> {
    const objects = await this.withScores([input], items, () => describeSessionObjects(input, 0, this.options.plan));
    return new Map(objects.ids.map((id, index) => [id, objects.confidences[index] as number]));
  }

  /** Step 3 for one session: the result ids of the kept negative objects, all parts, display order (give the catalogue for a session without search scores). */
  async downsampleNotEvents(input: FineTuningInput, items?: ItemsSet): Promise<string[]> {
    const objects = await this.withScores([input], items, () => describeSessionObjects(input, 0, this.options.plan));
    const kept = keptNegatives(objects, this.options.plan.negativeDownsamplingFactor, this.random);
    return kept.flatMap((object) => (objects.parts[object] as number[]).map((resultIndex) => input.results[resultIndex] as string));
  }

  /**
   * Compiles a batch, first scoring (asynchronously, on any backend) the
   * sessions logged without search scores with the current model: the way
   * to plan on a backend without synchronous reads (WebGPU).
   */
  async planAsync(batch: readonly FineTuningInput[], items: ItemsSet): Promise<BatchPlan> {
    return this.withScores(batch, items, () => this.plan(batch, items));
  }

  /** `planPaired`, scoring sessions without search scores first (see `planAsync`). */
  async planPairedAsync(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): Promise<BatchPlan> {
    return this.withScores([relevant, irrelevant], items, () => this.planPaired(relevant, irrelevant, items));
  }

  private async withScores<T>(sessions: readonly FineTuningInput[], items: ItemsSet | undefined, work: () => T): Promise<T> {
    const unranked = sessions.filter((session) => session.ranks === null);
    if (unranked.length === 0) return work();
    if (!items) {
      throw new InvalidSessionError('has no search scores (ranks is null): give the catalogue (items) so that the model can score it', { location: { field: 'ranks' } });
    }
    const scores = await this.scoreUnranked(unranked, items);
    this.scoredBeforePlanning = new Map(unranked.map((session, index) => [session, scores[index] as Float32Array]));
    try {
      return work();
    } finally {
      this.scoredBeforePlanning = undefined;
    }
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

  /**
   * The current model's rank of each result of a session logged without
   * search scores (no gradients), while `plan` runs synchronously; an
   * extractor that cannot read its model synchronously says to use `planAsync`.
   */
  protected abstract searchScores(input: FineTuningInput): Float32Array;

  /** The same scores for several sessions, read asynchronously (before planning). */
  protected abstract scoreUnranked(inputs: readonly FineTuningInput[], items: ItemsSet): Promise<Float32Array[]>;
}
