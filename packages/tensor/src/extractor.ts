import './gradients';
import type { RanksAggregator } from '@clicktune/confidence';
import {
  type BatchPlan,
  describeSessionObjects,
  type FineTuningFeatures,
  type FineTuningInput,
  type ItemsSet,
  keptNegatives,
  type PlanReport,
  paddedObjectParts,
  planBatch,
  SeededRandom,
} from '@clicktune/core';
import { type FeaturesExtractorOptions, type ResolvedFeaturesExtractorOptions, resolveFeaturesExtractorOptions } from '@clicktune/reference';
import * as tf from '@tensorflow/tfjs-core';
import { disposeTensorFeatures, type TensorFeatures, toFeatures } from './features';
import type { EmbeddingModel } from './models';
import { differenceMask, gatherRows } from './ops';
import { rankRows } from './rankers';

/** Object ranks from part ranks by the differentiable aggregator over a padded layout (DESIGN.md step 5). */
function aggregateObjects(partRanks: tf.Tensor1D, plan: BatchPlan, aggregator: RanksAggregator): tf.Tensor1D {
  const layout = paddedObjectParts(plan);
  const objects = plan.objectIds.length;
  if (layout.width === 1) return gatherRows(partRanks, layout.indices);
  // One padding slot past the last part; its value is masked out below.
  const padded = tf.concat([partRanks, tf.zeros([1])]);
  const grid = tf.reshape(gatherRows(padded, layout.indices), [objects, layout.width]);
  const mask = tf.tensor2d(layout.mask, [objects, layout.width]);
  if (aggregator.kind === 'mean') return tf.div(tf.sum(tf.mul(grid, mask), 1), tf.tensor1d(layout.counts));
  // Soft min/max: softmax(±β·x) over real parts (padding gets −∞ weight); tf.softmax is shift-stable (CASES C8).
  const sign = aggregator.kind === 'max' ? 1 : -1;
  const logits = tf.where(tf.cast(mask, 'bool'), tf.mul(grid, sign * aggregator.beta), tf.fill([objects, layout.width], Number.NEGATIVE_INFINITY));
  return tf.sum(tf.mul(tf.softmax(logits), grid), 1);
}

export interface TensorForwardResult {
  readonly features: TensorFeatures;
  readonly report: PlanReport;
  readonly plan: BatchPlan;
}

/**
 * The tensor FeaturesExtractor: executes a BatchPlan with a fixed number of
 * tfjs ops whatever the batch size (embed, gather rows, row-wise rank,
 * padded per-object aggregation, gather pairs, filter mask). Same options and
 * public methods as the reference extractor; both run the one planner.
 */
export class FeaturesExtractor {
  readonly options: ResolvedFeaturesExtractorOptions;
  private random: SeededRandom;
  private readonly queries: ItemsSet | undefined;
  private currentItems: ItemsSet | undefined;

  constructor(
    readonly model: EmbeddingModel,
    options: FeaturesExtractorOptions & { queries?: ItemsSet } = {},
  ) {
    this.options = resolveFeaturesExtractorOptions(options, (input) => this.searchScores(input));
    this.random = SeededRandom.fromSeed(this.options.seed);
    this.queries = options.queries;
  }

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

  confidences(input: FineTuningInput): Map<string, number> {
    const objects = describeSessionObjects(input, 0, this.options.plan);
    return new Map(objects.ids.map((id, index) => [id, objects.confidences[index] as number]));
  }

  downsampleNotEvents(input: FineTuningInput): string[] {
    const objects = describeSessionObjects(input, 0, this.options.plan);
    const kept = keptNegatives(objects, this.options.plan.negativeDownsamplingFactor, this.random);
    return kept.flatMap((object) => (objects.parts[object] as number[]).map((resultIndex) => input.results[resultIndex] as string));
  }

  plan(batch: readonly FineTuningInput[], items: ItemsSet): BatchPlan {
    this.currentItems = items;
    return planBatch(batch, items, this.options.plan, this.random, { queries: this.queries });
  }

  /** Executes a plan; the caller owns (and disposes) the returned tensors. Call inside a gradient scope to train. */
  execute(plan: BatchPlan, items: ItemsSet): TensorFeatures {
    const tensors = tf.tidy(() => {
      const pairs = plan.pairPositive.length;
      if (pairs === 0) {
        const empty = () => tf.zeros([0]) as tf.Tensor1D;
        return { positiveRanks: empty(), negativeRanks: empty(), positiveConfidences: empty(), negativeConfidences: empty(), target: empty(), mask: empty() };
      }
      const queryVectors = this.model.embedQueries(plan.queries);
      const itemVectors = this.model.embedItems(plan.itemRows, items);
      const partRanks = rankRows(this.options.ranker.kind, gatherRows(queryVectors, plan.partQuery), gatherRows(itemVectors, plan.partItem));
      const objectRanks = aggregateObjects(partRanks, plan, this.options.ranksAggregator);
      const positiveRanks = gatherRows(objectRanks, plan.pairPositive);
      const negativeRanks = gatherRows(objectRanks, plan.pairNegative);
      const mask = differenceMask(positiveRanks, negativeRanks, plan.minAbsDifference, plan.maxAbsDifference);
      return {
        positiveRanks,
        negativeRanks,
        positiveConfidences: tf.tensor1d(plan.pairPositiveConfidence),
        negativeConfidences: tf.tensor1d(plan.pairNegativeConfidence),
        target: tf.tensor1d(plan.pairTarget),
        mask,
      };
    });
    return {
      ...tensors,
      sessionIndex: plan.pairSession,
      positiveObjectIds: Array.from(plan.pairPositive, (object) => plan.objectIds[object] as string),
      negativeObjectIds: Array.from(plan.pairNegative, (object) => plan.objectIds[object] as string),
    };
  }

  /** Plans and executes a batch (tensors owned by the caller). */
  forward(batch: readonly FineTuningInput[], items: ItemsSet): TensorForwardResult {
    const plan = this.plan(batch, items);
    return { features: this.execute(plan, items), report: plan.report, plan };
  }

  /** Features of one session as plain arrays (kept pairs only). */
  async getFineTuningFeatures(input: FineTuningInput, items: ItemsSet): Promise<FineTuningFeatures> {
    return this.materialize(this.forward([input], items).features);
  }

  /** Features of a (relevant, irrelevant) pair: the relevant session's pairs, then the borrowed ones. */
  async getPairedInputsFeatures(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): Promise<FineTuningFeatures> {
    this.currentItems = items;
    const plan = planBatch([relevant, irrelevant], items, { ...this.options.plan, notIrrelevantOnly: false, shuffleIrrelevant: false }, this.random, {
      queries: this.queries,
    });
    return this.materialize(this.execute(plan, items));
  }

  private async materialize(features: TensorFeatures): Promise<FineTuningFeatures> {
    try {
      return await toFeatures(features);
    } finally {
      disposeTensorFeatures(features);
    }
  }

  /** Search scores from the current model, without gradients, for sessions logged without them. */
  private searchScores(input: FineTuningInput): Float32Array {
    const items = this.currentItems;
    if (!items) return new Float32Array(0);
    const rows = items.rowsOf([...input.results]);
    return tf.tidy(() => {
      const queryVector = this.model.embedQueries([input.query]);
      const itemVectors = this.model.embedItems(rows, items);
      const repeated = tf.tile(queryVector, [rows.length, 1]) as tf.Tensor2D;
      return rankRows(this.options.ranker.kind, repeated, itemVectors).dataSync() as Float32Array;
    });
  }
}
