import * as tf from '@tensorflow/tfjs-core';

/**
 * Copies of the weights that selection keeps (early stopping's best epoch,
 * or the best by a selection criterion), put back at the end of training.
 */
export class KeptWeights {
  private kept: tf.Tensor[] | null = null;

  constructor(private readonly variables: readonly tf.Variable[]) {}

  /** The kept copies, or null when nothing was kept (for checkpoints). */
  get tensors(): readonly tf.Tensor[] | null {
    return this.kept;
  }

  keepCurrent(): void {
    this.replace(this.variables.map((variable) => tf.keep(tf.clone(variable))));
  }

  /** Takes ownership of copies restored from a checkpoint. */
  replace(tensors: tf.Tensor[] | null): void {
    if (this.kept) tf.dispose(this.kept);
    this.kept = tensors;
  }

  /** Assigns the kept copies to the variables and frees them; no-op when nothing was kept. */
  restoreInto(): void {
    const kept = this.kept;
    if (!kept) return;
    this.variables.forEach((variable, index) => variable.assign(kept[index] as tf.Tensor));
    tf.dispose(kept);
    this.kept = null;
  }
}

/** What selection carries between validations (and across a resume, in the checkpoint). */
export interface SelectionState {
  /** The kept weights' criterion, lower is better (a validation loss, or a negated selection score). */
  keptCriterion: number | null;
  /** Validations since the kept criterion last improved (early stopping's patience counter). */
  sinceImprovement: number;
}

/**
 * Keep-best and early stopping, written once: each validation's criterion
 * either improves on the kept one by more than `minDelta` — and, when
 * weights are kept, its weights become the kept ones — or counts toward the
 * patience that stops training.
 */
export class Selection {
  private state: SelectionState;

  constructor(
    private readonly kept: KeptWeights,
    private readonly options: { keepsWeights: boolean; minDelta: number; patience: number | undefined },
    state: SelectionState,
  ) {
    this.state = { keptCriterion: state.keptCriterion, sinceImprovement: state.sinceImprovement };
  }

  /** A candidate before any training (the model in service): kept unless something beats it. */
  keepInitial(criterion: number): void {
    this.state.keptCriterion = criterion;
    this.kept.keepCurrent();
  }

  /** One validation's criterion (null: nothing to validate on, so nothing changes). */
  consider(criterion: number | null): void {
    if (criterion === null) return;
    if (this.state.keptCriterion === null || criterion < this.state.keptCriterion - this.options.minDelta) {
      this.state.keptCriterion = criterion;
      this.state.sinceImprovement = 0;
      if (this.options.keepsWeights) this.kept.keepCurrent();
    } else {
      this.state.sinceImprovement += 1;
    }
  }

  get patienceRunOut(): boolean {
    return this.options.patience !== undefined && this.state.sinceImprovement >= this.options.patience;
  }

  get keptCriterion(): number | null {
    return this.state.keptCriterion;
  }

  snapshot(): SelectionState {
    return { ...this.state };
  }
}
