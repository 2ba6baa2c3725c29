import './gradients';
import type { RanksAggregator } from '@clicktune/confidence';
import {
  type BatchPlan,
  type FineTuningFeatures,
  type FineTuningInput,
  InvalidOptionError,
  InvalidSessionError,
  type ItemsSet,
  type PlanReport,
  type RankerKind,
} from '@clicktune/core';
import { paddedObjectParts } from '@clicktune/core/internal';
import { type FeaturesExtractorOptions, PlanningExtractor } from '@clicktune/extractor';
import * as tf from '@tensorflow/tfjs-core';
import { disposeTensorFeatures, type TensorFeatures, toFeatures } from './features';
import type { EmbeddingModel } from './models';
import { differenceMask, gatherRows } from './ops';
import { rankMatrix, rankRows } from './rankers';

/** Object ranks from part ranks by the differentiable aggregator over a padded layout (DESIGN.md step 5). */
function aggregateObjects(partRanks: tf.Tensor1D, plan: BatchPlan, aggregator: RanksAggregator): tf.Tensor1D {
  const layout = paddedObjectParts(plan);
  const objects = plan.objectIds.length;
  // One part per object: objects are the parts, in order.
  if (layout.width === 1) return partRanks;
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

/**
 * How part ranks are computed. `gather`: each part's query row is gathered
 * (parts × dimension) and ranked row-wise. `matrix`: one parts × queries
 * product, then each part's own entry is picked (parts scalars) — far cheaper
 * on wasm and cpu while a batch has few distinct queries. `auto` uses
 * `matrix` up to 256 distinct queries per batch. Euclidean rankers always
 * gather.
 */
export type ScoringStrategy = 'auto' | 'matrix' | 'gather';

/** Above this many distinct queries in a batch, `auto` gathers each part's query row instead of the parts × queries product. */
export const MATRIX_SCORING_QUERIES = 256;

/** Whether a batch with `queries` distinct queries is scored through the parts × queries product. */
export function scoresByMatrix(strategy: ScoringStrategy, queries: number): boolean {
  return strategy === 'matrix' || (strategy === 'auto' && queries <= MATRIX_SCORING_QUERIES);
}

/** The catalogue row of every part of a plan (a repeated item appears once per part). */
export function partCatalogueRows(plan: BatchPlan): Int32Array {
  return Int32Array.from(plan.partItem, (item) => plan.itemRows[item] as number);
}

/** Part ranks for the plan: every part against its session's query (DESIGN.md step 5). */
function rankParts(
  kind: RankerKind,
  queryVectors: tf.Tensor2D,
  partVectors: tf.Tensor2D,
  partQuery: Int32Array,
  strategy: ScoringStrategy,
  frozen: { queries: boolean; items: boolean } = { queries: false, items: false },
): tf.Tensor1D {
  const queries = queryVectors.shape[0];
  // Euclidean ranks always take the row-wise path: the expanded ‖q‖² − 2q·p + ‖p‖² loses
  // precision near zero distance (float32 cancellation; measured errors of 1e-3).
  const euclidean = kind === 'euclidean' || kind === 'negativeEuclidean';
  if (euclidean || !scoresByMatrix(strategy, queries)) return rankRows(kind, gatherRows(queryVectors, partQuery), partVectors);
  const parts = partVectors.shape[0];
  const scores = rankMatrix(kind, partVectors, queryVectors, frozen.items ? 'a' : frozen.queries ? 'b' : 'none');
  return gatherRows(
    tf.reshape(scores, [parts * queries]) as tf.Tensor1D,
    Int32Array.from(partQuery, (query, part) => part * queries + query),
  );
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
export class FeaturesExtractor extends PlanningExtractor {
  readonly scoring: ScoringStrategy;

  constructor(
    readonly model: EmbeddingModel,
    options: FeaturesExtractorOptions & { queries?: ItemsSet; scoring?: ScoringStrategy } = {},
  ) {
    super(options);
    this.scoring = options.scoring ?? 'auto';
    if (!['auto', 'matrix', 'gather'].includes(this.scoring)) {
      throw new InvalidOptionError(`scoring must be "auto", "matrix" or "gather", got ${String(this.scoring)}`, { location: { field: 'scoring' } });
    }
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
      // Parts are embedded directly (a repeated item is embedded twice), so no gather and
      // no scatter in the backward pass on the item side.
      const partVectors = this.model.embedItems(partCatalogueRows(plan), items);
      const frozen = { queries: !this.model.trainsTower('query'), items: !this.model.trainsTower('item') };
      const partRanks = rankParts(this.options.ranker.kind, queryVectors, partVectors, plan.partQuery, this.scoring, frozen);
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

  /** `forward`, scoring sessions logged without search scores first, asynchronously (any backend, WebGPU included). */
  async forwardAsync(batch: readonly FineTuningInput[], items: ItemsSet): Promise<TensorForwardResult> {
    const plan = await this.planAsync(batch, items);
    return { features: this.execute(plan, items), report: plan.report, plan };
  }

  /** Features of one session as plain arrays (kept pairs only). */
  async getFineTuningFeatures(input: FineTuningInput, items: ItemsSet): Promise<FineTuningFeatures> {
    return this.materialize((await this.forwardAsync([input], items)).features);
  }

  /** Features of a (relevant, irrelevant) pair: the relevant session's pairs, then the borrowed ones. */
  async getPairedInputsFeatures(relevant: FineTuningInput, irrelevant: FineTuningInput, items: ItemsSet): Promise<FineTuningFeatures> {
    return this.materialize(this.execute(await this.planPairedAsync(relevant, irrelevant, items), items));
  }

  private async materialize(features: TensorFeatures): Promise<FineTuningFeatures> {
    try {
      return await toFeatures(features);
    } finally {
      disposeTensorFeatures(features);
    }
  }

  /** A tensor backend is read asynchronously: sessions without search scores are scored before planning, not during it. */
  protected searchScores(): Float32Array {
    throw new InvalidSessionError(
      'has no search scores (ranks is null): the tensor extractor scores such sessions before planning — use forwardAsync or planAsync (the trainer does)',
      {
        location: { field: 'ranks' },
      },
    );
  }

  /** Search scores from the current model, without gradients, for sessions logged without them (read asynchronously). */
  protected async scoreUnranked(inputs: readonly FineTuningInput[], items: ItemsSet): Promise<Float32Array[]> {
    const scores: Float32Array[] = [];
    for (const input of inputs) {
      const rows = items.rowsOf([...input.results]);
      const ranks = tf.tidy(() => {
        const queryVector = this.model.embedQueries([input.query]);
        const itemVectors = this.model.embedItems(rows, items);
        return rankParts(this.options.ranker.kind, queryVector, itemVectors, new Int32Array(rows.length), 'matrix');
      });
      try {
        scores.push(Float32Array.from((await ranks.data()) as Float32Array));
      } finally {
        ranks.dispose();
      }
    }
    return scores;
  }
}
