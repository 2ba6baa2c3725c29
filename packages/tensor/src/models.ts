import { baseItemVectors, baseQueryVectors, DimensionMismatchError, InvalidOptionError, type ItemsSet, type QueryReference } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';
import { constantTimes } from './ops';
import { requireTensorBackend } from './backend-guard';

/**
 * A model the tensor extractor can fine-tune (DESIGN.md "Domain"). Both
 * methods return new tensors the caller owns; gradients flow to
 * `trainableVariables()`.
 */
export interface EmbeddingModel {
  embedQueries(queries: readonly QueryReference[]): tf.Tensor2D;
  embedItems(rows: Int32Array, items: ItemsSet): tf.Tensor2D;
  trainableVariables(): tf.Variable[];
  /** Variables per tower, for separate learning rates and weight decay (a shared variable is listed once). */
  towerVariables(): { query: tf.Variable[]; item: tf.Variable[] };
  /** Whether a tower's output depends on trainable variables (false: its vectors need no gradient). */
  trainsTower(tower: 'query' | 'item'): boolean;
  dispose(): void;
}

/** Base vectors of queries and catalogue rows, as tensors (frozen: never trained). */
export class BaseEmbeddings {
  constructor(private readonly queries?: ItemsSet) {
    requireTensorBackend();
  }

  /**
   * Base vectors of catalogue rows. Gathered from the CPU-side matrix and
   * uploaded: on wasm a 1280 × 384 tf.gather takes about 13 ms, this about 1.
   */
  itemRows(rows: Int32Array, items: ItemsSet): tf.Tensor2D {
    if (items.dimension === 0) throw new InvalidOptionError('items have no embeddings: a base-embedding adapter cannot embed them');
    return tf.tensor2d(baseItemVectors(rows, items), [rows.length, items.dimension]);
  }

  queryVectors(queries: readonly QueryReference[], dimension: number): tf.Tensor2D {
    return tf.tensor2d(baseQueryVectors(queries, this.queries, dimension), [queries.length, dimension]);
  }

  dispose(): void {
    // Nothing is held between calls.
  }
}

export interface LinearAdapterOptions {
  inputDimension: number;
  /** Defaults to the input dimension (required for the residual form). */
  outputDimension?: number;
  /** Which towers get an adapter: both (default), only the query tower, only the item tower. */
  towers?: 'both' | 'query' | 'item';
  /** One adapter shared by both towers (a Siamese adapter). */
  shared?: boolean;
  /** y = x + x·ΔW with ΔW starting at 0 (otherwise y = x·W with W starting at identity). */
  residual?: boolean;
  /** Queries given by id are looked up here. */
  queries?: ItemsSet;
  /** Initial weights (e.g. loaded from safetensors), by tower. */
  initialWeights?: { query?: Float32Array; item?: Float32Array };
}

function identity(input: number, output: number): Float32Array {
  const weights = new Float32Array(input * output);
  for (let index = 0; index < Math.min(input, output); index += 1) weights[index * output + index] = 1;
  return weights;
}

/**
 * A linear adapter over frozen base embeddings, per tower or shared,
 * initialised to identity (or to zero in the residual form), so an untrained
 * adapter ranks exactly as the base embeddings do.
 */
export class LinearAdapter implements EmbeddingModel {
  readonly inputDimension: number;
  readonly outputDimension: number;
  readonly residual: boolean;
  readonly towers: 'both' | 'query' | 'item';
  readonly shared: boolean;
  readonly queryWeights: tf.Variable | null;
  readonly itemWeights: tf.Variable | null;
  /** The frozen base embeddings the adapter projects. */
  readonly base: BaseEmbeddings;

  constructor(options: LinearAdapterOptions) {
    requireTensorBackend();
    const input = options.inputDimension;
    const output = options.outputDimension ?? input;
    if (!Number.isInteger(input) || input < 1) throw new InvalidOptionError(`inputDimension must be a positive integer, got ${input}`);
    if (!Number.isInteger(output) || output < 1) throw new InvalidOptionError(`outputDimension must be a positive integer, got ${output}`);
    this.residual = options.residual ?? false;
    if (this.residual && output !== input) throw new InvalidOptionError('a residual adapter keeps the dimension: outputDimension must equal inputDimension');
    this.towers = options.towers ?? 'both';
    if (!['both', 'query', 'item'].includes(this.towers)) throw new InvalidOptionError(`towers must be "both", "query" or "item", got ${String(this.towers)}`);
    this.shared = options.shared ?? false;
    if (this.shared && this.towers !== 'both') throw new InvalidOptionError('a shared adapter serves both towers: leave towers at "both"');
    if (this.towers !== 'both' && output !== input) throw new InvalidOptionError('with one tower adapted, both towers must keep the input dimension');
    this.inputDimension = input;
    this.outputDimension = output;
    this.base = new BaseEmbeddings(options.queries);
    const initial = (which: 'query' | 'item') => {
      const given = options.initialWeights?.[which];
      if (given && given.length !== input * output) {
        throw new DimensionMismatchError(`initial ${which} weights have ${given.length} values, expected ${input} × ${output}`);
      }
      // tf.variable shares the initial tensor's data; without disposing that tensor, each adapter leaked one per tower.
      const value = tf.tensor2d(given ?? (this.residual ? new Float32Array(input * output) : identity(input, output)), [input, output]);
      const variable = tf.variable(value, true);
      value.dispose();
      return variable;
    };
    this.queryWeights = this.towers === 'item' ? null : initial('query');
    this.itemWeights = this.shared ? this.queryWeights : this.towers === 'query' ? null : initial('item');
  }

  /** Base vectors through a tower's weights: x·W (x + x·W in the residual form), or x itself for a tower without weights. */
  project(vectors: tf.Tensor2D, weights: tf.Tensor2D | null): tf.Tensor2D {
    if (!weights) return vectors;
    // Base vectors are constants: only W needs a gradient.
    const projected = constantTimes(vectors, weights);
    return this.residual ? (tf.add(vectors, projected) as tf.Tensor2D) : projected;
  }

  /** Base vectors of catalogue rows, checked against the adapter's input dimension. */
  baseItemRows(rows: Int32Array, items: ItemsSet): tf.Tensor2D {
    if (items.dimension !== this.inputDimension) {
      throw new DimensionMismatchError(`items have dimension ${items.dimension}, the adapter expects ${this.inputDimension}`);
    }
    return this.base.itemRows(rows, items);
  }

  embedQueries(queries: readonly QueryReference[]): tf.Tensor2D {
    return tf.tidy(() => this.project(this.base.queryVectors(queries, this.inputDimension), this.queryWeights as tf.Tensor2D | null));
  }

  embedItems(rows: Int32Array, items: ItemsSet): tf.Tensor2D {
    return tf.tidy(() => this.project(this.baseItemRows(rows, items), this.itemWeights as tf.Tensor2D | null));
  }

  trainableVariables(): tf.Variable[] {
    return [...new Set([this.queryWeights, this.itemWeights].filter((weights): weights is tf.Variable => weights !== null))];
  }

  trainsTower(tower: 'query' | 'item'): boolean {
    return (tower === 'query' ? this.queryWeights : this.itemWeights) !== null;
  }

  towerVariables(): { query: tf.Variable[]; item: tf.Variable[] } {
    if (this.shared) return { query: this.queryWeights ? [this.queryWeights] : [], item: [] };
    return { query: this.queryWeights ? [this.queryWeights] : [], item: this.itemWeights ? [this.itemWeights] : [] };
  }

  dispose(): void {
    for (const variable of this.trainableVariables()) variable.dispose();
    this.base.dispose();
  }
}

/** The shape of a tfjs-layers model that ClickTune needs (kept structural so tensor does not depend on tfjs-layers). */
export interface LayersModelLike {
  /** tfjs-layers' `apply`, which may also return symbolic tensors (never for concrete inputs). */
  apply(inputs: tf.Tensor, kwargs?: Record<string, unknown>): unknown;
  readonly trainableWeights: ReadonlyArray<{ read(): tf.Tensor }>;
}

/**
 * Wraps a user's tfjs-layers model(s) that map base embeddings to new
 * vectors: one model per tower, or one for both. Queries and items are fed
 * as base vectors, so the layers model's input is `[batch, inputDimension]`.
 */
export function layersModelAdapter(options: { queryModel?: LayersModelLike; itemModel?: LayersModelLike; inputDimension: number; queries?: ItemsSet }): EmbeddingModel {
  const base = new BaseEmbeddings(options.queries);
  const run = (model: LayersModelLike | undefined, vectors: tf.Tensor2D) => {
    if (!model) return vectors;
    const out = model.apply(vectors, { training: true });
    const tensor = Array.isArray(out) ? out[0] : out;
    if (!(tensor instanceof tf.Tensor) || tensor.rank !== 2) {
      throw new InvalidOptionError('the layers model must map a [batch, inputDimension] tensor to a [batch, outputDimension] tensor');
    }
    return tensor as tf.Tensor2D;
  };
  const variablesOf = (model: LayersModelLike | undefined) => (model ? model.trainableWeights.map((weight) => weight.read() as tf.Variable) : []);
  return {
    embedQueries: (queries) => tf.tidy(() => run(options.queryModel, base.queryVectors(queries, options.inputDimension))),
    embedItems: (rows, items) => tf.tidy(() => run(options.itemModel, base.itemRows(rows, items))),
    trainableVariables: () => [...new Set([...variablesOf(options.queryModel), ...variablesOf(options.itemModel)])],
    trainsTower: (tower) => (tower === 'query' ? options.queryModel : options.itemModel) !== undefined,
    towerVariables: () => ({
      query: variablesOf(options.queryModel),
      item: options.itemModel === options.queryModel ? [] : variablesOf(options.itemModel),
    }),
    dispose: () => base.dispose(),
  };
}
