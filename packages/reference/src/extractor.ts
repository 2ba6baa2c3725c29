import type { BatchPlan, FineTuningFeatures, FineTuningInput, ItemsSet, PlanReport } from '@clicktune/core';
import { executePlan, type PlanExecution } from './execute';
import type { ReferenceModel } from './models';
import { type FeaturesExtractorOptions, PlanningExtractor } from '@clicktune/extractor';

export interface ForwardResult {
  readonly features: FineTuningFeatures;
  readonly report: PlanReport;
  readonly plan: BatchPlan;
  readonly execution: PlanExecution;
}

/**
 * The pure-TS FeaturesExtractor. Its public methods mirror EmbeddingStudio's
 * and the tensor extractor's; both run the one planner, so they cannot disagree.
 */
export class FeaturesExtractor extends PlanningExtractor {
  constructor(
    readonly model: ReferenceModel,
    options: FeaturesExtractorOptions & { queries?: ItemsSet } = {},
  ) {
    super(options);
  }

  private run(plan: BatchPlan, items: ItemsSet): PlanExecution {
    return executePlan(plan, items, this.model, this.options.ranker, this.options.ranksAggregator);
  }

  /** Features of a whole batch (relevant sessions, and irrelevant ones paired when `notIrrelevantOnly` is false). */
  forward(batch: readonly FineTuningInput[], items: ItemsSet): ForwardResult {
    const plan = this.plan(batch, items);
    const execution = this.run(plan, items);
    return { features: execution.features, report: plan.report, plan, execution };
  }

  /** Features of one relevant session. */
  getFineTuningFeatures(input: FineTuningInput, items: ItemsSet): FineTuningFeatures {
    return this.forward([input], items).features;
  }

  /** Features of one (relevant, irrelevant) pair: the relevant session's pairs, then the borrowed ones (step 8). */
  getPairedInputsFeatures(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): FineTuningFeatures {
    return this.run(this.planPaired(relevant, irrelevant, items), items).features;
  }

  protected searchScores(input: FineTuningInput): Float32Array {
    return this.scoresOf(input, this.currentItems as ItemsSet);
  }

  protected async scoreUnranked(inputs: readonly FineTuningInput[], items: ItemsSet): Promise<Float32Array[]> {
    return inputs.map((input) => this.scoresOf(input, items));
  }

  private scoresOf(input: FineTuningInput, items: ItemsSet): Float32Array {
    const itemVectors = this.model.embedItems(items.rowsOf([...input.results]), items);
    const queryVector = this.model.embedQueries([input.query]);
    const dimension = queryVector.length;
    return Float32Array.from(input.results, (_, index) => this.options.ranker.rank(queryVector, 0, itemVectors, index * dimension, dimension));
  }
}
