import { decodeSafetensors, encodeSafetensors, InvalidWeightsError, type ItemsSet, type NamedFloatTensor, readBinaryFile, writeFileAtomic } from '@clicktune/core';
import { LinearAdapter } from './models';

/**
 * Adapter weights as safetensors. Each tower's matrix is stored as
 * `<tower>_adapter.weight` with shape [output, input] — PyTorch's
 * `nn.Linear(input, output, bias=False).weight` layout, so
 * `linear.load_state_dict({"weight": tensors["query_adapter.weight"]})`
 * works as is (ClickTune computes x·W with W = weightᵀ). The header's
 * `__metadata__` says how the adapter is built.
 */
export const ADAPTER_FORMAT = 'clicktune-linear-adapter';
export const ADAPTER_FORMAT_VERSION = '1';

function transpose(data: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let row = 0; row < rows; row += 1) for (let column = 0; column < columns; column += 1) out[column * rows + row] = data[row * columns + column] as number;
  return out;
}

export async function encodeAdapter(adapter: LinearAdapter, extraMetadata: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors = new Map<string, NamedFloatTensor>();
  const add = async (name: string, weights: LinearAdapter['queryWeights']) => {
    if (!weights) return;
    const data = (await weights.data()) as Float32Array;
    // Non-finite weights (a diverged run) would be served as garbage: refuse to write them.
    const bad = data.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new InvalidWeightsError(`${name} has a non-finite value (${data[bad]} at index ${bad}): training diverged; lower the learning rate`);
    tensors.set(name, { shape: [adapter.outputDimension, adapter.inputDimension], data: transpose(data, adapter.inputDimension, adapter.outputDimension) });
  };
  await add('query_adapter.weight', adapter.queryWeights);
  if (!adapter.shared) await add('item_adapter.weight', adapter.itemWeights);
  return encodeSafetensors(tensors, {
    ...extraMetadata,
    format: ADAPTER_FORMAT,
    version: ADAPTER_FORMAT_VERSION,
    towers: adapter.towers,
    shared: String(adapter.shared),
    residual: String(adapter.residual),
    inputDimension: String(adapter.inputDimension),
    outputDimension: String(adapter.outputDimension),
  });
}

export function decodeAdapter(bytes: Uint8Array, options: { queries?: ItemsSet; file?: string } = {}): LinearAdapter {
  const { tensors, metadata } = decodeSafetensors(bytes, options.file);
  const fail = (reason: string) => new InvalidWeightsError(reason, { location: options.file ? { file: options.file } : {} });
  if (metadata.format !== ADAPTER_FORMAT) throw fail(`not a ClickTune adapter (format ${JSON.stringify(metadata.format ?? null)})`);
  if (metadata.version !== ADAPTER_FORMAT_VERSION) throw fail(`adapter format version ${metadata.version} is not supported (expected ${ADAPTER_FORMAT_VERSION})`);
  const input = Number(metadata.inputDimension);
  const output = Number(metadata.outputDimension);
  const towers = metadata.towers as 'both' | 'query' | 'item';
  const shared = metadata.shared === 'true';
  const read = (name: string): Float32Array | undefined => {
    const tensor = tensors.get(name);
    if (!tensor) return undefined;
    if (tensor.shape.length !== 2 || tensor.shape[0] !== output || tensor.shape[1] !== input) {
      throw fail(`${name} has shape [${tensor.shape.join(', ')}], expected [${output}, ${input}]`);
    }
    const bad = tensor.data.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw fail(`${name} has a non-finite value (${tensor.data[bad]} at index ${bad})`);
    return transpose(tensor.data, output, input);
  };
  const query = read('query_adapter.weight');
  const item = shared ? query : read('item_adapter.weight');
  if (towers !== 'item' && !query) throw fail('query_adapter.weight is missing');
  if (towers !== 'query' && !item) throw fail('item_adapter.weight is missing');
  return new LinearAdapter({
    inputDimension: input,
    outputDimension: output,
    towers,
    shared,
    residual: metadata.residual === 'true',
    queries: options.queries,
    initialWeights: { query, item },
  });
}

/** Writes an adapter as safetensors, atomically. */
export async function saveAdapter(adapter: LinearAdapter, file: string, extraMetadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, await encodeAdapter(adapter, extraMetadata));
}

export async function loadAdapter(file: string, options: { queries?: ItemsSet } = {}): Promise<LinearAdapter> {
  return decodeAdapter(await readBinaryFile(file), { ...options, file });
}

/**
 * The fold adapters of a cross-fitted run (`fineTune({ keepFolds: true })`),
 * kept for the next round: passed back as `inServiceFolds`, they stand in for
 * the served adapter on the queries each never trained on. One safetensors
 * file: fold k's tensors are named `fold<k>.<tower>_adapter.weight`.
 */
export const FOLD_ADAPTERS_FORMAT = 'clicktune-fold-adapters';

export async function encodeFoldAdapters(adapters: readonly LinearAdapter[], extraMetadata: Record<string, string> = {}): Promise<Uint8Array> {
  if (adapters.length === 0) throw new InvalidWeightsError('no fold adapters to write');
  const tensors = new Map<string, NamedFloatTensor>();
  let metadata: Record<string, string> = {};
  for (const [fold, adapter] of adapters.entries()) {
    const decoded = decodeSafetensors(await encodeAdapter(adapter));
    metadata = decoded.metadata;
    for (const [name, tensor] of decoded.tensors) tensors.set(`fold${fold}.${name}`, tensor);
  }
  return encodeSafetensors(tensors, { ...extraMetadata, ...metadata, format: FOLD_ADAPTERS_FORMAT, folds: String(adapters.length) });
}

export function decodeFoldAdapters(bytes: Uint8Array, options: { queries?: ItemsSet; file?: string } = {}): LinearAdapter[] {
  const { tensors, metadata } = decodeSafetensors(bytes, options.file);
  const fail = (reason: string) => new InvalidWeightsError(reason, { location: options.file ? { file: options.file } : {} });
  if (metadata.format !== FOLD_ADAPTERS_FORMAT) throw fail(`not a ClickTune fold-adapters file (format ${JSON.stringify(metadata.format ?? null)})`);
  const folds = Number(metadata.folds);
  if (!Number.isInteger(folds) || folds < 1) throw fail(`folds must be a whole number ≥ 1, got ${JSON.stringify(metadata.folds ?? null)}`);
  const adapters: LinearAdapter[] = [];
  try {
    for (let fold = 0; fold < folds; fold += 1) {
      const own = new Map([...tensors].filter(([name]) => name.startsWith(`fold${fold}.`)).map(([name, tensor]) => [name.slice(`fold${fold}.`.length), tensor]));
      // Each fold is checked as an adapter file of its own would be (shapes, finite values).
      adapters.push(decodeAdapter(encodeSafetensors(own, { ...metadata, format: ADAPTER_FORMAT }), options));
    }
  } catch (error) {
    for (const adapter of adapters) adapter.dispose();
    throw error;
  }
  return adapters;
}

/** Writes fold adapters as one safetensors file, atomically. */
export async function saveFoldAdapters(adapters: readonly LinearAdapter[], file: string, extraMetadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, await encodeFoldAdapters(adapters, extraMetadata));
}

export async function loadFoldAdapters(file: string, options: { queries?: ItemsSet } = {}): Promise<LinearAdapter[]> {
  return decodeFoldAdapters(await readBinaryFile(file), { ...options, file });
}
