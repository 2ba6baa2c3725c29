import { ClickTuneError, decodeSafetensors, encodeSafetensors, InvalidWeightsError, type NamedFloatTensor, readBinaryFile, writeFileAtomic } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import type { SelectionState } from './selection';
import type { EpochRecord } from './trainer';

const CHECKPOINT_FORMAT = 'clicktune-checkpoint';
/** Bumped when the state's meaning changes; an older checkpoint is refused, not half-read. */
const CHECKPOINT_VERSION = 2;

/** Where training stands — with what selection carries — exactly enough to continue as if never stopped. */
export interface TrainerState extends SelectionState {
  /** Epochs finished. */
  epoch: number;
  /** Optimisation steps taken (the schedule's clock). */
  step: number;
  /** Batches of the current epoch already done (0 at an epoch boundary). */
  batch: number;
  /** The shuffler's state at the start of the current epoch, so its order can be drawn again. */
  random: number[];
  extractorRandom: number[];
  listwiseRandom: number[];
  history: EpochRecord[];
  /** The current epoch's running loss sums and last validation, for its record. */
  epochLoss: { sum: number; steps: number; skippedSteps: number };
  lastValidation: { loss: number | null; score: number | null };
}

/** A tower's trainable variables and its optimizer, as the checkpoint stores them. */
export interface CheckpointTower {
  readonly tower: 'query' | 'item';
  readonly variables: readonly tf.Variable[];
  readonly optimizer: tf.Optimizer;
}

/** Model variables, optimizer state, the kept (best) weights and the trainer state in one safetensors file, written atomically. */
export async function writeCheckpoint(file: string, towers: readonly CheckpointTower[], kept: readonly tf.Tensor[] | null, state: TrainerState): Promise<void> {
  const tensors = new Map<string, NamedFloatTensor>();
  for (const entry of towers) {
    for (const [index, variable] of entry.variables.entries())
      tensors.set(`model/${entry.tower}/${index}`, { shape: variable.shape, data: (await variable.data()) as Float32Array });
    for (const weight of await entry.optimizer.getWeights())
      tensors.set(`optimizer/${entry.tower}/${weight.name}`, { shape: weight.tensor.shape, data: (await weight.tensor.data()) as Float32Array });
    for (const [name, variable] of Object.entries(adamPowers(entry.optimizer)))
      tensors.set(`optimizer-power/${entry.tower}/${name}`, { shape: [], data: (await variable.data()) as Float32Array });
  }
  for (const [index, tensor] of (kept ?? []).entries()) tensors.set(`kept/${index}`, { shape: tensor.shape, data: (await tensor.data()) as Float32Array });
  await writeFileAtomic(file, encodeSafetensors(tensors, { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION), state: JSON.stringify(state) }));
}

/**
 * Restores variables and optimizer state from a checkpoint and returns the
 * trainer state and the kept weights (kept tensors are the caller's to
 * dispose). Refuses a checkpoint of another model shape, including one with
 * a tower this model does not train.
 */
export async function readCheckpoint(file: string, towers: readonly CheckpointTower[]): Promise<{ state: TrainerState; kept: tf.Tensor[] | null }> {
  const { tensors, metadata } = decodeSafetensors(await readBinaryFile(file), file);
  const fail = (reason: string) => new InvalidWeightsError(reason, { location: { file } });
  if (metadata.format !== CHECKPOINT_FORMAT || !metadata.state) throw fail('not a ClickTune checkpoint');
  if (metadata.version !== String(CHECKPOINT_VERSION))
    throw fail(`checkpoint version ${metadata.version ?? 1} cannot be resumed by this version (${CHECKPOINT_VERSION}); train again without resuming`);
  const trained = new Set(towers.map((entry) => entry.tower));
  for (const name of tensors.keys()) {
    const tower = /^model\/([^/]+)\//.exec(name)?.[1];
    if (tower && !trained.has(tower as 'query' | 'item'))
      throw fail(`the checkpoint trains the ${tower} tower, which this model does not have: resume with the same model options`);
  }
  const variables = towers.flatMap((entry) => entry.variables);
  const keptEntries = [...tensors.keys()].filter((name) => name.startsWith('kept/'));
  if (keptEntries.length !== 0 && keptEntries.length !== variables.length)
    throw fail(`the checkpoint keeps ${keptEntries.length} weight tensors, this model has ${variables.length}`);
  try {
    for (const entry of towers) {
      entry.variables.forEach((variable, index) => {
        const saved = tensors.get(`model/${entry.tower}/${index}`);
        if (!saved || saved.data.length !== variable.size) throw fail(`the checkpoint does not match this model (${entry.tower} variable ${index})`);
        variable.assign(tf.tensor(saved.data, variable.shape));
      });
      const prefix = `optimizer/${entry.tower}/`;
      const weights = [...tensors.entries()]
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, saved]) => ({ name: name.slice(prefix.length), tensor: tf.tensor(saved.data, [...saved.shape]) }));
      if (weights.length > 0) await entry.optimizer.setWeights(weights);
      for (const [name, variable] of Object.entries(adamPowers(entry.optimizer))) {
        const saved = tensors.get(`optimizer-power/${entry.tower}/${name}`);
        if (saved) variable.assign(tf.scalar(saved.data[0] as number));
      }
    }
    const kept =
      keptEntries.length === 0
        ? null
        : variables.map((variable, index) => {
            const saved = tensors.get(`kept/${index}`);
            if (!saved || saved.data.length !== variable.size) throw fail(`the checkpoint's kept weights do not match this model (tensor ${index})`);
            return tf.keep(tf.tensor(saved.data, variable.shape));
          });
    return { state: JSON.parse(metadata.state) as TrainerState, kept };
  } catch (error) {
    if (ClickTuneError.isInstance(error)) throw error;
    throw fail(`cannot restore the checkpoint: ${(error as Error).message}`);
  }
}

/**
 * Adam's running powers β₁ᵗ and β₂ᵗ. tfjs leaves them out of getWeights and
 * recomputes them with pow() in setWeights, which differs from the running
 * product in the last float32 bit — enough to make a resumed run drift.
 */
function adamPowers(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const fields = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  const powers: Record<string, tf.Variable> = {};
  if (fields.accBeta1 instanceof tf.Variable) powers.beta1 = fields.accBeta1;
  if (fields.accBeta2 instanceof tf.Variable) powers.beta2 = fields.accBeta2;
  return powers;
}
