import './gradients';
import {
  ClickTuneError,
  decodeSafetensors,
  encodeSafetensors,
  type FineTuningInput,
  InvalidOptionError,
  InvalidWeightsError,
  type ItemsSet,
  type NamedFloatTensor,
  readBinaryFile,
  SeededRandom,
  writeFileAtomic,
} from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FeaturesExtractor } from './extractor';
import { disposeTensorFeatures } from './features';
import { evaluateSessions, retrieveTopK, scoreSessions } from './evaluation';
import { buildListwiseBatch, type ListwiseOptions, listwiseLoss, validateListwise } from './listwise';
import { type FeaturesLoss, type LossOption, resolveLoss } from './losses';
import { type LearningRateSchedule, learningRateAt } from './schedule';

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
  /** The kept weights' validation loss — or, with `selectBy`, their criterion negated. */
  readonly bestValidationLoss: number | null;
  /** With `selectBy`: the criterion of the kept weights (every validation counts, also those between epochs). */
  readonly bestSelectionScore: number | null;
}

interface TrainerState {
  epoch: number;
  step: number;
  random: number[];
  extractorRandom: number[];
  history: EpochRecord[];
  bestValidationLoss: number | null;
  sinceImprovement: number;
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
export class Trainer {
  private readonly loss: FeaturesLoss;
  private readonly listwise: Required<ListwiseOptions> | null;
  private readonly listwiseRandom: SeededRandom;
  private readonly pairwiseWeight: number;
  private readonly optimizers: Array<{ tower: 'query' | 'item'; optimizer: tf.Optimizer; variables: tf.Variable[]; learningRate: number; weightDecay: number; initial: tf.Tensor[] }>;
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
    if (!Number.isInteger(this.options.epochs) || this.options.epochs < 0) throw new InvalidOptionError(`epochs must be a whole number ≥ 0, got ${this.options.epochs}`, { location: { field: 'epochs' } });
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1) throw new InvalidOptionError(`batchSize must be a whole number ≥ 1, got ${this.options.batchSize}`, { location: { field: 'batchSize' } });
    if (!['sgd', 'adam'].includes(this.options.optimizer)) throw new InvalidOptionError(`optimizer must be "sgd" or "adam", got ${String(this.options.optimizer)}`, { location: { field: 'optimizer' } });
    if (!(this.options.weightDecay >= 0)) throw new InvalidOptionError(`weightDecay must be ≥ 0, got ${this.options.weightDecay}`, { location: { field: 'weightDecay' } });
    this.loss = resolveLoss(options.loss);
    this.listwise = options.listwise ? validateListwise(options.listwise) : null;
    this.listwiseRandom = SeededRandom.fromSeed(this.options.seed).fork();
    this.pairwiseWeight = options.pairwiseWeight ?? 1;
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
      const plan = this.extractor.plan(sessions.slice(start, start + this.options.batchSize), items);
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
    const plan = this.extractor.plan(batch, items);
    const usePairs = plan.report.pairs > 0 && this.pairwiseWeight > 0;
    const listwise = this.listwise && this.listwise.weight > 0 ? await buildListwiseBatch(batch, items, this.listwise, this.listwiseRandom, (queries, exclude) => this.hardNegatives(queries, exclude, items)) : null;
    if (!usePairs && !listwise) return { loss: 0, keptPairs: 0, skipped: true };
    const variables = this.optimizers.flatMap((entry) => entry.variables);
    let kept: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      let total: tf.Scalar = tf.scalar(0);
      if (usePairs) {
        const features = this.extractor.execute(plan, items);
        kept = tf.keep(tf.sum(features.mask));
        total = tf.add(total, tf.mul(this.pairwiseWeight, this.loss.compute(features)));
        disposeTensorFeatures(features);
      }
      if (listwise && this.listwise) total = tf.add(total, tf.mul(this.listwise.weight, listwiseLoss(this.extractor.model, listwise, items, this.listwise.temperature)));
      return total;
    }, variables);
    // Asynchronous reads: WebGPU in Node has no synchronous one.
    const keptPairs = (kept ? ((await kept.data())[0] as number) : 0) + (listwise ? listwise.rowQuery.length : 0);
    const loss = (await value.data())[0] as number;
    tf.dispose([...(kept ? [kept] : []), value]);
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
  private async hardNegatives(queries: FineTuningInput['query'][], exclude: Set<string>[], items: ItemsSet): Promise<string[][]> {
    const depth = (this.listwise?.hardNegatives ?? 0) + Math.max(0, ...exclude.map((set) => set.size));
    return (await retrieveTopK(this.extractor.model, queries, items, { k: depth })).map((list, index) => list.map((entry) => entry.id).filter((id) => !exclude[index]?.has(id)));
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
    const random = SeededRandom.fromSeed(this.options.seed);
    let state: TrainerState = {
      epoch: 0,
      step: 0,
      random: random.state(),
      extractorRandom: this.extractor.randomState(),
      history: [],
      bestValidationLoss: null,
      sinceImprovement: 0,
    };
    if (this.options.resumeFrom) state = await this.restore(this.options.resumeFrom);
    const shuffler = SeededRandom.fromState(state.random);
    const previousScores = validation.length > 0 ? await scoreSessions(this.extractor.model, validation, items, this.extractor.options.ranker.kind) : undefined;
    let best: tf.Tensor[] | null = null;
    let stoppedEarly = false;
    let interrupted = false;

    const selectBy = this.options.selectBy;
    const keepBest = () => {
      if (best) tf.dispose(best);
      best = this.optimizers.flatMap((entry) => entry.variables.map((variable) => tf.keep(tf.clone(variable))));
    };
    const validate = async (): Promise<{ loss: number | null; score: number | null }> => {
      const loss = validation.length > 0 ? await this.validationLoss(validation, items) : null;
      const score = selectBy ? await selectBy.evaluate() : null;
      const criterion = score !== null ? -score : loss;
      if (criterion !== null) {
        const minDelta = this.options.earlyStopping?.minDelta ?? 0;
        if (state.bestValidationLoss === null || criterion < state.bestValidationLoss - minDelta) {
          state.bestValidationLoss = criterion;
          state.sinceImprovement = 0;
          if (this.options.earlyStopping || selectBy) keepBest();
        } else {
          state.sinceImprovement += 1;
        }
      }
      return { loss, score };
    };
    if (selectBy && selectBy.includeInitial !== false && !this.options.resumeFrom) {
      // The untrained model is a candidate too: when nothing beats it, nothing changes.
      state.bestValidationLoss = -(await selectBy.evaluate());
      keepBest();
    }

    for (; state.epoch < this.options.epochs && !stoppedEarly && !interrupted; state.epoch += 1) {
      // A fresh permutation each epoch, so the RNG state alone determines it (and a resumed run matches).
      const order = shuffler.shuffle(Array.from(sessions.keys()));
      let lossSum = 0;
      let lossSteps = 0;
      let skippedSteps = 0;
      let lastValidation: { loss: number | null; score: number | null } = { loss: null, score: null };
      for (let batch = 0; batch < batchesPerEpoch; batch += 1) {
        const batchSessions = order.slice(batch * this.options.batchSize, (batch + 1) * this.options.batchSize).map((index) => sessions[index] as FineTuningInput);
        const factor = learningRateAt(1, schedule, state.step, totalSteps);
        const result = await this.step(batchSessions, items, factor);
        state.step += 1;
        if (result.skipped) skippedSteps += 1;
        else {
          lossSum += result.loss;
          lossSteps += 1;
        }
        this.options.onBatch?.({ epoch: state.epoch, batch, batches: batchesPerEpoch, step: state.step, loss: result.loss, keptPairs: result.keptPairs, skipped: result.skipped, learningRate: this.options.learningRate * factor });
        if (this.options.validateEvery && state.step % this.options.validateEvery === 0) {
          lastValidation = await validate();
          if (this.options.earlyStopping && state.sinceImprovement >= this.options.earlyStopping.patience) {
            stoppedEarly = true;
            break;
          }
        }
        if (this.options.signal?.aborted) {
          interrupted = true;
          break;
        }
      }
      if (!this.options.validateEvery && !interrupted) {
        lastValidation = await validate();
        if (this.options.earlyStopping && state.sinceImprovement >= this.options.earlyStopping.patience) stoppedEarly = true;
      }
      const evaluation = validation.length > 0 ? await evaluateSessions(this.extractor.model, validation, items, { ranker: this.extractor.options.ranker.kind, previousScores }) : null;
      const record: EpochRecord = {
        epoch: state.epoch,
        trainLoss: lossSteps === 0 ? 0 : lossSum / lossSteps,
        validationLoss: lastValidation.loss,
        selectionScore: lastValidation.score,
        mrr: evaluation?.mrr ?? null,
        ndcg: evaluation?.ndcg ?? null,
        recall: evaluation?.recall ?? null,
        clickedShift: evaluation?.clickedShift ?? null,
        irrelevantShift: evaluation?.irrelevantShift ?? null,
        steps: lossSteps,
        skippedSteps,
      };
      state.history.push(record);
      await this.options.onEpoch?.(record);
      state.random = shuffler.state();
      state.extractorRandom = this.extractor.randomState();
      if (this.options.checkpointPath) await this.checkpoint(this.options.checkpointPath, { ...state, epoch: state.epoch + (interrupted ? 0 : 1) });
    }
    if (best) {
      const restored: tf.Tensor[] = best;
      this.optimizers.flatMap((entry) => entry.variables).forEach((variable, index) => variable.assign(restored[index] as tf.Tensor));
      tf.dispose(restored);
    }
    const bestSelectionScore = selectBy && state.bestValidationLoss !== null ? -state.bestValidationLoss : null;
    return { history: state.history, steps: state.step, stoppedEarly, interrupted, bestValidationLoss: state.bestValidationLoss, bestSelectionScore };
  }

  /** Writes model variables, optimizer state and trainer state to one safetensors file, atomically. */
  async checkpoint(file: string, state: TrainerState): Promise<void> {
    const tensors = new Map<string, NamedFloatTensor>();
    for (const entry of this.optimizers) {
      for (const [index, variable] of entry.variables.entries()) tensors.set(`model/${entry.tower}/${index}`, { shape: variable.shape, data: (await variable.data()) as Float32Array });
      for (const weight of await entry.optimizer.getWeights()) tensors.set(`optimizer/${entry.tower}/${weight.name}`, { shape: weight.tensor.shape, data: (await weight.tensor.data()) as Float32Array });
    }
    await writeFileAtomic(file, encodeSafetensors(tensors, { format: 'clicktune-checkpoint', state: JSON.stringify(state) }));
  }

  private async restore(file: string): Promise<TrainerState> {
    const { tensors, metadata } = decodeSafetensors(await readBinaryFile(file), file);
    if (metadata.format !== 'clicktune-checkpoint' || !metadata.state) throw new InvalidWeightsError('not a ClickTune checkpoint', { location: { file } });
    try {
      for (const entry of this.optimizers) {
        entry.variables.forEach((variable, index) => {
          const saved = tensors.get(`model/${entry.tower}/${index}`);
          if (!saved || saved.data.length !== variable.size) throw new InvalidWeightsError(`the checkpoint does not match this model (${entry.tower} variable ${index})`, { location: { file } });
          variable.assign(tf.tensor(saved.data, variable.shape));
        });
        const prefix = `optimizer/${entry.tower}/`;
        const weights = [...tensors.entries()].filter(([name]) => name.startsWith(prefix)).map(([name, saved]) => ({ name: name.slice(prefix.length), tensor: tf.tensor(saved.data, [...saved.shape]) }));
        if (weights.length > 0) await entry.optimizer.setWeights(weights);
      }
      const state = JSON.parse(metadata.state) as TrainerState;
      this.extractor.restoreRandomState(state.extractorRandom);
      return state;
    } catch (error) {
      if (ClickTuneError.isInstance(error)) throw error;
      throw new InvalidWeightsError(`cannot restore the checkpoint: ${(error as Error).message}`, { location: { file } });
    }
  }

  dispose(): void {
    for (const entry of this.optimizers) {
      entry.optimizer.dispose();
      tf.dispose(entry.initial);
    }
  }
}
