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
