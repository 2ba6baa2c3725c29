import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

describe('safetensors', () => {
  it('writes the documented layout and reads it back', () => {
    const bytes = encodeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }]]), { format: 'clicktune' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.__metadata__).toEqual({ format: 'clicktune' });
    expect(new DataView(bytes.buffer).getFloat32(8 + headerLength + 12, true)).toBe(4);
    const decoded = decodeSafetensors(bytes);
    expect(Array.from(decoded.tensors.get('w')?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(decoded.metadata.format).toBe('clicktune');
  });

  it('keeps hostile tensor names as names', () => {
    const decoded = decodeSafetensors(encodeSafetensors(new Map([['__proto__', { shape: [1], data: Float32Array.of(7) }]])));
    expect(decoded.tensors.get('__proto__')?.data[0]).toBe(7);
  });

  it.each([
    ['truncated', new Uint8Array(4), /too short/],
    [
      'header past the end',
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /not a safetensors file \(no JSON header after the 8-byte length\)/,
    ],
    [
      'bad JSON',
      (() => {
        const b = new Uint8Array(12);
        new DataView(b.buffer).setBigUint64(0, 4n, true);
        b.set([123, 123, 123, 123], 8);
        return b;
      })(),
      /not a safetensors file \(its header is not valid JSON\)/,
    ],
  ])('rejects a %s file', (_name, bytes, message) => {
    expect(() => decodeSafetensors(bytes as Uint8Array, 'x.safetensors')).toThrow(message as RegExp);
  });

  it('rejects offsets outside the data and shapes that do not match', () => {
    const good = encodeSafetensors(new Map([['w', { shape: [2], data: Float32Array.of(1, 2) }]]));
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4))).toThrow(/outside the data/);
    expect(() => encodeSafetensors(new Map([['w', { shape: [3], data: Float32Array.of(1, 2) }]]))).toThrow(/2 values for shape \[3\]/);
  });
});
