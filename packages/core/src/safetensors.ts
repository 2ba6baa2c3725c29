import { InvalidWeightsError } from './errors';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{ name: { dtype, shape, data_offsets } ,
 * "__metadata__": { string: string } }`, then the raw little-endian data.
 * No maintained npm package implements it (the one published is a 0.0.1
 * placeholder), and the format is small, so ClickTune reads and writes it
 * itself; only F32 tensors are used.
 */
export interface NamedFloatTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsContent {
  readonly tensors: Map<string, NamedFloatTensor>;
  readonly metadata: Record<string, string>;
}

function product(shape: readonly number[]): number {
  return shape.reduce((total, size) => total * size, 1);
}

export function encodeSafetensors(tensors: ReadonlyMap<string, NamedFloatTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  Object.defineProperty(header, '__metadata__', { value: { ...metadata }, enumerable: true });
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === '__metadata__') throw new InvalidWeightsError('"__metadata__" is not a tensor name');
    if (product(tensor.shape) !== tensor.data.length) {
      throw new InvalidWeightsError(`tensor ${JSON.stringify(name)} has ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]`);
    }
    Object.defineProperty(header, name, {
      value: { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, offset + tensor.data.length * 4] },
      enumerable: true,
    });
    offset += tensor.data.length * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const padding = (8 - ((headerBytes.length + 8) % 8)) % 8;
  const out = new Uint8Array(8 + headerBytes.length + padding + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length + padding), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.length, 8 + headerBytes.length + padding);
  let position = 8 + headerBytes.length + padding;
  for (const tensor of tensors.values()) {
    for (const value of tensor.data) {
      view.setFloat32(position, value, true);
      position += 4;
    }
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file?: string): SafetensorsContent {
  const fail = (reason: string) => new InvalidWeightsError(reason, { location: file ? { file } : {} });
  if (bytes.byteLength < 8) throw fail('too short to be a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  // A safetensors file starts with the length of its JSON header, then "{": anything else is not one.
  if (headerLength < 2 || headerLength > bytes.byteLength - 8 || headerLength > 100_000_000 || bytes[8] !== 0x7b) {
    throw fail('not a safetensors file (no JSON header after the 8-byte length)');
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw fail('not a safetensors file (its header is not valid JSON)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, NamedFloatTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail('__metadata__ must be an object of strings');
      metadata = Object.fromEntries(Object.entries(entry).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail(`tensor ${JSON.stringify(name)} must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype !== 'F32') throw fail(`tensor ${JSON.stringify(name)} has dtype ${String(dtype)}; ClickTune reads F32`);
    if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0)) throw fail(`tensor ${JSON.stringify(name)} has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2) throw fail(`tensor ${JSON.stringify(name)} has invalid data_offsets`);
    const [start, end] = offsets as [number, number];
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end <= dataLength)) {
      throw fail(`tensor ${JSON.stringify(name)} points outside the data (${start}…${end} of ${dataLength} bytes)`);
    }
    if (end - start !== product(shape) * 4) throw fail(`tensor ${JSON.stringify(name)}: ${end - start} bytes for shape [${shape.join(', ')}]`);
    const data = new Float32Array((end - start) / 4);
    for (let index = 0; index < data.length; index += 1) data[index] = view.getFloat32(dataStart + start + index * 4, true);
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}
