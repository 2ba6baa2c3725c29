import { describeBackends, selectBackend } from '@clicktune/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './index';

describe('@clicktune/backend-wasm', () => {
  it('registers itself on import and starts tfjs-backend-wasm (wasm files found in Node)', async () => {
    const described = await describeBackends();
    expect(described.find((entry) => entry.name === 'wasm')?.available).toBe(true);
    const active = await selectBackend('wasm', {});
    expect(tf.getBackend()).toBe('wasm');
    expect(active.detail).toMatch(/SIMD (on|off), threads (on|off)/);
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });

  it('auto prefers wasm over cpu', async () => {
    expect((await selectBackend(undefined, {})).name).toBe('wasm');
  });
});
