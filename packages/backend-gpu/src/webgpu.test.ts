import { describeBackends, selectBackend } from '@clicktune/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './index';

describe('@clicktune/backend-gpu', async () => {
  const described = (await describeBackends()).find((entry) => entry.name === 'webgpu');

  it('registers webgpu and says which adapter it chose, or why there is none', () => {
    expect(described).toBeDefined();
    // Available: the adapter it chose; unavailable: why — not either message for either state.
    if (described?.available) expect(described.detail).toMatch(/via (native|OpenGL ES)/);
    else expect(described?.detail).toMatch(/no WebGPU adapter|does not load/);
  });

  it.skipIf(!described?.available)('runs tfjs kernels on the chosen adapter', async () => {
    await selectBackend('webgpu', {});
    expect(tf.getBackend()).toBe('webgpu');
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(await tf.matMul(a, a).data())).toEqual([7, 10, 15, 22]);
  });
});
