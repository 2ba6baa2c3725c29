import './gradients';
import { type BatchPlan, type FineTuningInput, InvalidOptionError, type ItemsSet, SeededRandom } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint, type TrainerState, writeCheckpoint } from './checkpoint';
import type { FeaturesExtractor } from './extractor';
import { KeptWeights, Selection } from './selection';
import { disposeTensorFeatures } from './features';
import { catalogueEmbeddings, evaluateSessions, retrieveTopK, scoreSessions } from './evaluation';
import { type ListwiseOptions, listwiseSessions, queryKeyOf, validateListwise } from '@clicktune/core';
import { buildListwiseBatch, listwiseLoss } from './listwise';
import { type FeaturesLoss, type LossOption, resolveLoss } from './losses';
import { LinearAdapter } from './models';
import { fusedPairwiseLoss } from './pairwise-fused';
import { type LearningRateSchedule, learningRateAt } from './schedule';

/** How the trainer differentiates the pairwise term (see `TrainerOptions.pairwiseImplementation`). */
export type PairwiseImplementation = 'fused' | 'autograd';

export interface TowerOptimization {
  learningRate?: number;
  /** Decoupled decay toward the initial weights (identity for an adapter): W ← W − lr·decay·(W − W₀). */
  weightDecay?: number;
}

export interface TrainerOptions {
  epochs?: number;
  batchSize?: number;
  optimizer?: 'sgd' | 'adam';
  learningRate?: number;
  weightDecay?: number;
  /** Per-tower overrides of learning rate and weight decay. */
  towers?: { query?: TowerOptimization; item?: TowerOptimization };
  schedule?: LearningRateSchedule;
  loss?: LossOption;
  /** Validate every N batches (default: at the end of each epoch). */
  validateEvery?: number;
  /** Stop when the validation loss has not improved by minDelta for `patience` validations; the best weights are restored. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** Write a checkpoint (safetensors) here after every epoch and when stopped. */
  checkpointPath?: string;
  /** Continue from a checkpoint written by an earlier run. */
  resumeFrom?: string;
  seed?: number;
  /** Stops after the current step (a checkpoint is written when checkpointPath is set). */
  signal?: AbortSignal;
  /** Weight of the pairwise features loss (default 1; 0 trains on the listwise term alone). */
  pairwiseWeight?: number;
  /** A listwise term with negatives beyond the logged lists (see ListwiseOptions). */
  listwise?: ListwiseOptions;
  /**
   * How the pairwise term is differentiated: `fused` (the default: a linear adapter's closed form,
   * see `fusedPairwiseLoss`, wherever it applies — cosine ranker, a sigmoid margin loss, mean
   * aggregation or one part per object) or `autograd` (kernel by kernel, always).
   */
  pairwiseImplementation?: PairwiseImplementation;
  /**
   * Where each query's hard negatives are looked for, by `queryKeyOf` key:
   * catalogue rows (e.g. the starting model's top 100). A batch whose clicked
   * queries all have a pool, and whose pools together are smaller than the
   * catalogue, scores only those rows under the current weights; otherwise the
   * whole catalogue is scored — exact, and what a large catalogue cannot afford
   * at every step.
   */
  hardNegativePools?: ReadonlyMap<string, Int32Array>;
  /**
   * Model selection (higher is better), evaluated before training and at each
   * validation: early stopping and the weights kept at the end follow it, and
   * the untrained model can win unless `includeInitial` is false (e.g. when
   * the caller compares the result with a model already in service itself).
   * Default: the validation loss.
   */
  selectBy?: { name: string; evaluate: () => number | Promise<number>; includeInitial?: boolean };
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
}

export interface BatchProgress {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly step: number;
  readonly loss: number;
  readonly keptPairs: number;
  readonly skipped: boolean;
  readonly learningRate: number;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly validationLoss: number | null;
  /** The `selectBy` criterion after this epoch, when one is given. */
  readonly selectionScore: number | null;
  readonly mrr: number | null;
  readonly ndcg: number | null;
  readonly recall: number | null;
  readonly clickedShift: number | null;
  readonly irrelevantShift: number | null;
  readonly steps: number;
  readonly skippedSteps: number;
}

export interface TrainingResult {
  readonly history: EpochRecord[];
  readonly steps: number;
  readonly stoppedEarly: boolean;
  readonly interrupted: boolean;
  /** The kept weights' validation loss (null with `selectBy`, whose criterion is `bestSelectionScore`). */
  readonly bestValidationLoss: number | null;
  /** With `selectBy`: the criterion of the kept weights (every validation counts, also those between epochs). */
  readonly bestSelectionScore: number | null;
}

let lastYield = 0;

/**
 * Lets timers and signal handlers run between steps at least every 50 ms: on
 * a synchronous backend every await resolves at once, so without this a
 * Ctrl-C would wait for the end of the epoch.
 */
async function yieldToEventLoop(): Promise<void> {
  const now = Date.now();
  if (now - lastYield < 50) return;
  lastYield = now;
  await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

function positive(value: number, field: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidOptionError(`${field} must be a finite number > 0, got ${value}`, { location: { field } });
  return value;
}

/**
 * Fine-tunes the extractor's model on sessions: seeded shuffling, SGD or
 * Adam with per-tower learning rates and decay toward the initial weights, a
 * stepped learning-rate schedule, validation and early stopping on the
 * validation loss, checkpoints and resume. A batch with no kept pair is
 * skipped (its loss is 0 and no optimizer state moves).
 */
/** The items a step's hard negatives are looked for in, embedded under the current weights: the whole catalogue (rows null) or those rows. */
interface ScoredItems {
  readonly rows: Int32Array | null;
  readonly vectors: tf.Tensor2D;
}

export class Trainer {
  private readonly loss: FeaturesLoss;
  private readonly listwise: Required<ListwiseOptions> | null;
  private listwiseRandom: SeededRandom;
  private readonly pairwiseWeight: number;
  private readonly pairwiseImplementation: PairwiseImplementation;
  private readonly optimizers: Array<{
    tower: 'query' | 'item';
    optimizer: tf.Optimizer;
    variables: tf.Variable[];
    learningRate: number;
    weightDecay: number;
    initial: tf.Tensor[];
  }>;
  readonly options: Required<Pick<TrainerOptions, 'epochs' | 'batchSize' | 'optimizer' | 'learningRate' | 'weightDecay' | 'seed'>> & TrainerOptions;

  constructor(
    readonly extractor: FeaturesExtractor,
    options: TrainerOptions = {},
  ) {
    this.options = {
      ...options,
      epochs: options.epochs ?? 3,
      batchSize: options.batchSize ?? 64,
      optimizer: options.optimizer ?? 'adam',
      learningRate: positive(options.learningRate ?? 1e-3, 'learningRate'),
      weightDecay: options.weightDecay ?? 0,
      seed: options.seed ?? 0,
    };
    if (!Number.isInteger(this.options.epochs) || this.options.epochs < 0)
      throw new InvalidOptionError(`epochs must be a whole number ≥ 0, got ${this.options.epochs}`, { location: { field: 'epochs' } });
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1)
      throw new InvalidOptionError(`batchSize must be a whole number ≥ 1, got ${this.options.batchSize}`, { location: { field: 'batchSize' } });
    if (!['sgd', 'adam'].includes(this.options.optimizer))
      throw new InvalidOptionError(`optimizer must be "sgd" or "adam", got ${String(this.options.optimizer)}`, { location: { field: 'optimizer' } });
    if (!(this.options.weightDecay >= 0)) throw new InvalidOptionError(`weightDecay must be ≥ 0, got ${this.options.weightDecay}`, { location: { field: 'weightDecay' } });
    this.loss = resolveLoss(options.loss);
    this.listwise = options.listwise ? validateListwise(options.listwise) : null;
    this.listwiseRandom = SeededRandom.fromSeed(this.options.seed).fork();
    this.pairwiseWeight = options.pairwiseWeight ?? 1;
    this.pairwiseImplementation = options.pairwiseImplementation ?? 'fused';
    if (!['fused', 'autograd'].includes(this.pairwiseImplementation))
      throw new InvalidOptionError(`pairwiseImplementation must be "fused" or "autograd", got ${JSON.stringify(this.pairwiseImplementation)}`, {
        location: { field: 'pairwiseImplementation' },
      });
    if (!(this.pairwiseWeight >= 0)) throw new InvalidOptionError(`pairwiseWeight must be ≥ 0, got ${this.pairwiseWeight}`, { location: { field: 'pairwiseWeight' } });
    const towers = extractor.model.towerVariables();
    this.optimizers = (['query', 'item'] as const)
      .filter((tower) => towers[tower].length > 0)
      .map((tower) => {
        const learningRate = positive(options.towers?.[tower]?.learningRate ?? this.options.learningRate, `towers.${tower}.learningRate`);
        const weightDecay = options.towers?.[tower]?.weightDecay ?? this.options.weightDecay;
        return {
          tower,
          optimizer: this.options.optimizer === 'sgd' ? tf.train.sgd(learningRate) : tf.train.adam(learningRate),
          variables: towers[tower],
          learningRate,
          weightDecay,
          // Copies of the starting weights, only when decay pulls toward them.
          initial: weightDecay > 0 ? towers[tower].map((variable) => tf.keep(tf.clone(variable))) : [],
        };
      });
  }

  /** Mean loss over sessions (no gradients), in batches; null when nothing yields a pair. */
  async validationLoss(sessions: readonly FineTuningInput[], items: ItemsSet): Promise<number | null> {
    let weighted = 0;
    let pairs = 0;
    for (let start = 0; start < sessions.length; start += this.options.batchSize) {
      const plan = await this.extractor.planAsync(sessions.slice(start, start + this.options.batchSize), items);
      if (plan.report.pairs === 0) continue;
      const features = this.extractor.execute(plan, items);
      const [lossTensor, keptTensor] = tf.tidy(() => [this.loss.compute(features), tf.sum(features.mask)]);
      disposeTensorFeatures(features);
      const loss = ((await lossTensor.data())[0] as number) ?? 0;
      const kept = ((await keptTensor.data())[0] as number) ?? 0;
      tf.dispose([lossTensor, keptTensor]);
      weighted += loss * kept;
      pairs += kept;
    }
    return pairs === 0 ? null : weighted / pairs;
  }

  /** One optimisation step on a batch; returns the loss and kept pairs (skipped when nothing is kept). */
  async step(batch: readonly FineTuningInput[], items: ItemsSet, learningRateFactor = 1): Promise<{ loss: number; keptPairs: number; skipped: boolean }> {
    // With the pairwise term off (the clicktune recipe) no pair is planned at all.
    const plan = this.pairwiseWeight > 0 ? await this.extractor.planAsync(batch, items) : null;
    // The hard negatives need the catalogue (or the batch's pools) under the current weights; the listwise term reuses the whole catalogue for its columns.
    const needsHardNegatives = this.listwise !== null && this.listwise.weight > 0 && this.listwise.hardNegatives > 0;
    const pooled = needsHardNegatives ? this.pooledRows(batch, items) : null;
    const scored: ScoredItems | null = needsHardNegatives
      ? { rows: pooled, vectors: pooled ? tf.tidy(() => this.extractor.model.embedItems(pooled, items)) : catalogueEmbeddings(this.extractor.model, items) }
      : null;
    try {
      return await this.stepWith(batch, items, learningRateFactor, plan, scored);
    } finally {
      scored?.vectors.dispose();
    }
  }

  /** The pairwise term in closed form, where it applies (see `fusedPairwiseLoss`); null: tape it. */
  private fusedPairwise(plan: BatchPlan, items: ItemsSet): { value: tf.Scalar; kept: tf.Scalar } | null {
    const model = this.extractor.model;
    const form = this.loss.sigmoidMargin;
    const { ranker, ranksAggregator } = this.extractor.options;
    const aggregates = ranksAggregator.kind === 'mean' || plan.objectIds.length === plan.partItem.length;
    if (this.pairwiseImplementation !== 'fused' || !(model instanceof LinearAdapter) || !form || ranker.kind !== 'cosine' || !aggregates) return null;
    return fusedPairwiseLoss(model, plan, items, form, this.extractor.scoring);
  }

  /** The union of the batch's hard-negative pools, ascending; null when the whole catalogue is to be scored. */
  private pooledRows(batch: readonly FineTuningInput[], items: ItemsSet): Int32Array | null {
    const pools = this.options.hardNegativePools;
    if (!pools) return null;
    const rows = new Set<number>();
    for (const session of listwiseSessions(batch)) {
      const key = queryKeyOf(session);
      const pool = pools.get(key);
      if (!pool) return null;
      for (const row of pool) {
        if (!(Number.isInteger(row) && row >= 0 && row < items.size))
          throw new InvalidOptionError(`hard-negative pool of ${key} names row ${row}, outside the catalogue's ${items.size} rows`, { location: { field: 'hardNegativePools' } });
        rows.add(row);
      }
    }
    if (rows.size === 0 || rows.size >= items.size) return null;
    return Int32Array.from(rows).sort();
  }

  private async stepWith(
    batch: readonly FineTuningInput[],
    items: ItemsSet,
    learningRateFactor: number,
    plan: BatchPlan | null,
    scored: ScoredItems | null,
  ): Promise<{ loss: number; keptPairs: number; skipped: boolean }> {
    // The whole catalogue's embeddings, when that is what was scored.
    const catalogue = scored && !scored.rows ? scored.vectors : undefined;
    const usePairs = plan !== null && plan.report.pairs > 0;
    const listwise =
      this.listwise && this.listwise.weight > 0
        ? await buildListwiseBatch(batch, items, this.listwise, this.listwiseRandom, (queries, exclude) => this.hardNegatives(queries, exclude, items, scored))
        : null;
    if (!usePairs && !listwise) return { loss: 0, keptPairs: 0, skipped: true };
    const variables = this.optimizers.flatMap((entry) => entry.variables);
    let kept: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      let total: tf.Scalar = tf.scalar(0);
      if (usePairs && plan) {
        const fused = this.fusedPairwise(plan, items);
        if (fused) {
          kept = fused.kept;
          total = tf.add(total, tf.mul(this.pairwiseWeight, fused.value));
        } else {
          const features = this.extractor.execute(plan, items);
          kept = tf.keep(tf.sum(features.mask));
          total = tf.add(total, tf.mul(this.pairwiseWeight, this.loss.compute(features)));
          disposeTensorFeatures(features);
        }
      }
      if (listwise && this.listwise)
        total = tf.add(total, tf.mul(this.listwise.weight, listwiseLoss(this.extractor.model, listwise, items, this.listwise.temperature, 'fused', catalogue)));
      return total;
    }, variables);
    // Asynchronous reads: WebGPU in Node has no synchronous one.
    const keptPairs = (kept ? ((await kept.data())[0] as number) : 0) + (listwise ? listwise.rowQuery.length : 0);
    const loss = (await value.data())[0] as number;
    tf.dispose([...(kept ? [kept] : []), value]);
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(grads));
      // Stop before a non-finite loss moves any weight: what was learned so far stays finite.
      throw new InvalidOptionError(`training diverged: the loss is ${loss}; lower the learning rate (${this.options.learningRate * learningRateFactor} at this step)`, {
        location: { field: 'learningRate' },
      });
    }
    if (keptPairs === 0) {
      tf.dispose(Object.values(grads));
      return { loss: 0, keptPairs: 0, skipped: true };
    }
    for (const entry of this.optimizers) {
      const learningRate = entry.learningRate * learningRateFactor;
      this.setLearningRate(entry.optimizer, learningRate);
      const own: tf.NamedTensorMap = {};
      for (const variable of entry.variables) own[variable.name] = grads[variable.name] as tf.Tensor;
      entry.optimizer.applyGradients(own);
      if (entry.weightDecay > 0) {
        tf.tidy(() => {
          entry.variables.forEach((variable, index) => {
            variable.assign(tf.sub(variable, tf.mul(learningRate * entry.weightDecay, tf.sub(variable, entry.initial[index] as tf.Tensor))));
          });
        });
      }
    }
    tf.dispose(Object.values(grads));
    return { loss, keptPairs, skipped: false };
  }

  /** The current model's top items per query, minus each query's clicks (no gradients). */
  private async hardNegatives(queries: FineTuningInput['query'][], exclude: Set<string>[], items: ItemsSet, scored: ScoredItems | null): Promise<string[][]> {
    const depth = (this.listwise?.hardNegatives ?? 0) + Math.max(0, ...exclude.map((set) => set.size));
    return (await retrieveTopK(this.extractor.model, queries, items, { k: depth, itemVectors: scored?.vectors, rows: scored?.rows ?? undefined })).map((list, index) =>
      list.map((entry) => entry.id).filter((id) => !exclude[index]?.has(id)),
    );
  }

  private setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
    // SGD exposes a setter; Adam reads its (protected) field on every step.
    const settable = optimizer as unknown as { setLearningRate?: (value: number) => void; learningRate: number };
    if (typeof settable.setLearningRate === 'function') settable.setLearningRate(learningRate);
    else settable.learningRate = learningRate;
  }

  /** The learning rate each optimizer will use now (for tests and progress output). */
  currentLearningRates(): Record<string, number> {
    return Object.fromEntries(this.optimizers.map((entry) => [entry.tower, (entry.optimizer as unknown as { learningRate: number }).learningRate]));
  }

  async train(sessions: readonly FineTuningInput[], items: ItemsSet, validation: readonly FineTuningInput[] = []): Promise<TrainingResult> {
    const batchesPerEpoch = Math.ceil(sessions.length / this.options.batchSize);
    const totalSteps = batchesPerEpoch * this.options.epochs;
    const schedule = this.options.schedule ?? { kind: 'constant' };
    // The starting model's scores, for the shift metrics: read before a checkpoint replaces the weights.
    const previousScores = validation.length > 0 ? await scoreSessions(this.extractor.model, validation, items, this.extractor.options.ranker.kind) : undefined;
    const selectBy = this.options.selectBy;
    const kept = new KeptWeights(this.optimizers.flatMap((entry) => entry.variables));
    let state: TrainerState = {
      epoch: 0,
      step: 0,
      batch: 0,
      random: SeededRandom.fromSeed(this.options.seed).state(),
      extractorRandom: this.extractor.randomState(),
      listwiseRandom: this.listwiseRandom.state(),
      history: [],
      epochLoss: { sum: 0, steps: 0, skippedSteps: 0 },
      lastValidation: { loss: null, score: null },
      keptCriterion: null,
      sinceImprovement: 0,
    };
    if (this.options.resumeFrom) {
      const restored = await readCheckpoint(this.options.resumeFrom, this.optimizers);
      state = restored.state;
      kept.replace(restored.kept);
      this.extractor.restoreRandomState(state.extractorRandom);
      this.listwiseRandom = SeededRandom.fromState(state.listwiseRandom);
    }
    const selection = new Selection(
      kept,
      { keepsWeights: Boolean(this.options.earlyStopping || selectBy), minDelta: this.options.earlyStopping?.minDelta ?? 0, patience: this.options.earlyStopping?.patience },
      state,
    );
    let stoppedEarly = false;
    let interrupted = false;

    const validate = async (): Promise<void> => {
      const loss = validation.length > 0 ? await this.validationLoss(validation, items) : null;
      const score = selectBy ? await selectBy.evaluate() : null;
      state.lastValidation = { loss, score };
      selection.consider(score !== null ? -score : loss);
    };
    const saveCheckpoint = async () => {
      state = { ...state, ...selection.snapshot(), extractorRandom: this.extractor.randomState(), listwiseRandom: this.listwiseRandom.state() };
      if (this.options.checkpointPath) await writeCheckpoint(this.options.checkpointPath, this.optimizers, kept.tensors, state);
    };
    if (selectBy && selectBy.includeInitial !== false && !this.options.resumeFrom) {
      // The untrained model is a candidate too: when nothing beats it, nothing changes.
      selection.keepInitial(-(await selectBy.evaluate()));
    }

    while (state.epoch < this.options.epochs && !stoppedEarly && !interrupted) {
      // Each epoch's order is drawn from the shuffler's state at its start, so a run resumed mid-epoch draws the same one.
      const shuffler = SeededRandom.fromState(state.random);
      const order = shuffler.shuffle(Array.from(sessions.keys()));
      for (; state.batch < batchesPerEpoch; ) {
        const batchSessions = order.slice(state.batch * this.options.batchSize, (state.batch + 1) * this.options.batchSize).map((index) => sessions[index] as FineTuningInput);
        const factor = learningRateAt(1, schedule, state.step, totalSteps);
        const result = await this.step(batchSessions, items, factor);
        const batch = state.batch;
        state.step += 1;
        state.batch += 1;
        if (result.skipped) state.epochLoss.skippedSteps += 1;
        else {
          state.epochLoss.sum += result.loss;
          state.epochLoss.steps += 1;
        }
        this.options.onBatch?.({
          epoch: state.epoch,
          batch,
          batches: batchesPerEpoch,
          step: state.step,
          loss: result.loss,
          keptPairs: result.keptPairs,
          skipped: result.skipped,
          learningRate: this.options.learningRate * factor,
        });
        if (this.options.validateEvery && state.step % this.options.validateEvery === 0) {
          await validate();
          if (selection.patienceRunOut) {
            stoppedEarly = true;
            break;
          }
        }
        await yieldToEventLoop();
        if (this.options.signal?.aborted) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) {
        // Mid-epoch: the checkpoint holds the steps done and where to go on; the epoch's record comes when it ends.
        await saveCheckpoint();
        break;
      }
      if (!this.options.validateEvery) {
        await validate();
        if (selection.patienceRunOut) stoppedEarly = true;
      }
      const evaluation =
        validation.length > 0 ? await evaluateSessions(this.extractor.model, validation, items, { ranker: this.extractor.options.ranker.kind, previousScores }) : null;
      const record: EpochRecord = {
        epoch: state.epoch,
        trainLoss: state.epochLoss.steps === 0 ? 0 : state.epochLoss.sum / state.epochLoss.steps,
        validationLoss: state.lastValidation.loss,
        selectionScore: state.lastValidation.score,
        mrr: evaluation?.mrr ?? null,
        ndcg: evaluation?.ndcg ?? null,
        recall: evaluation?.recall ?? null,
        clickedShift: evaluation?.clickedShift ?? null,
        irrelevantShift: evaluation?.irrelevantShift ?? null,
        steps: state.epochLoss.steps,
        skippedSteps: state.epochLoss.skippedSteps,
      };
      state.history.push(record);
      await this.options.onEpoch?.(record);
      state = {
        ...state,
        epoch: state.epoch + 1,
        batch: 0,
        random: shuffler.state(),
        epochLoss: { sum: 0, steps: 0, skippedSteps: 0 },
        lastValidation: { loss: null, score: null },
      };
      await saveCheckpoint();
    }
    kept.restoreInto();
    return {
      history: state.history,
      steps: state.step,
      stoppedEarly,
      interrupted,
      bestValidationLoss: selectBy ? null : selection.keptCriterion,
      bestSelectionScore: selectBy && selection.keptCriterion !== null ? -selection.keptCriterion : null,
    };
  }

  dispose(): void {
    for (const entry of this.optimizers) {
      entry.optimizer.dispose();
      tf.dispose(entry.initial);
    }
  }
}
