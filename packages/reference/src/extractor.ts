import {
  type BatchPlan,
  describeSessionObjects,
  type FineTuningFeatures,
  type FineTuningInput,
  type ItemsSet,
  keptNegatives,
  type PlanReport,
  planBatch,
  SeededRandom,
} from '@clicktune/core';
import { executePlan, type PlanExecution } from './execute';
import type { ReferenceModel } from './models';
import { type FeaturesExtractorOptions, type ResolvedFeaturesExtractorOptions, resolveFeaturesExtractorOptions } from './options';

export interface ForwardResult {
  readonly features: FineTuningFeatures;
  readonly report: PlanReport;
  readonly plan: BatchPlan;
  readonly execution: PlanExecution;
}

/**
 * The pure-TS FeaturesExtractor. Its public methods mirror EmbeddingStudio's
 * and the tensor extractor's; every one is a thin entry over the one planner
 * (`planBatch`) and the plan executor, so they cannot disagree.
 */
export class FeaturesExtractor {
  readonly options: ResolvedFeaturesExtractorOptions;
  private random: SeededRandom;

  constructor(
    readonly model: ReferenceModel,
    options: FeaturesExtractorOptions & { queries?: ItemsSet } = {},
  ) {
    this.options = resolveFeaturesExtractorOptions(options, (input, session) => this.searchScores(input, session));
    this.random = SeededRandom.fromSeed(this.options.seed);
    this.queries = options.queries;
  }

  private readonly queries: ItemsSet | undefined;
  private currentItems: ItemsSet | undefined;

  /** Restarts the random stream (same seed → same downsampling again). */
  reseed(seed = this.options.seed): void {
    this.random = SeededRandom.fromSeed(seed);
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

  /** Features of a whole batch (relevant sessions, and irrelevant ones paired when `notIrrelevantOnly` is false). */
  forward(batch: readonly FineTuningInput[], items: ItemsSet): ForwardResult {
    const plan = this.plan(batch, items);
    const execution = executePlan(plan, items, this.model, this.options.ranker, this.options.ranksAggregator);
    return { features: execution.features, report: plan.report, plan, execution };
  }

  /** Features of one relevant session. */
  getFineTuningFeatures(input: FineTuningInput, items: ItemsSet): FineTuningFeatures {
    return this.forward([input], items).features;
  }

  /** Features of one (relevant, irrelevant) pair: the relevant session's pairs, then the borrowed ones (step 8). */
  getPairedInputsFeatures(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): FineTuningFeatures {
    const plan = planBatch([relevant, irrelevant], items, { ...this.options.plan, notIrrelevantOnly: false, shuffleIrrelevant: false }, this.random, {
      queries: this.queries,
    });
    this.currentItems = items;
    return executePlan(plan, items, this.model, this.options.ranker, this.options.ranksAggregator).features;
  }

  /** Model ranks of every result of a session, for sessions logged without search scores (a no-grad pass). */
  private searchScores(input: FineTuningInput, _session: number): Float32Array {
    const items = this.currentItems;
    if (!items) return new Float32Array(0);
    const rows = items.rowsOf([...input.results]);
    const itemVectors = this.model.embedItems(rows, items);
    const queryVector = this.model.embedQueries([input.query]);
    const dimension = queryVector.length;
    return Float32Array.from(input.results, (_, index) => this.options.ranker.rank(queryVector, 0, itemVectors, index * dimension, dimension));
  }
}

