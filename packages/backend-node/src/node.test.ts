import { describeBackends, selectBackend } from '@clicktune/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cudaReport } from './node';
import './index';

describe('@clicktune/backend-node', () => {
  it('registers node and node-gpu, each with its exact state here', async () => {
    const described = await describeBackends();
    const node = described.find((entry) => entry.name === 'node');
    const gpu = described.find((entry) => entry.name === 'node-gpu');
    expect(node).toBeDefined();
    expect(gpu).toBeDefined();
    if (!node?.available) {
      // Without the downloaded (or offline-built) addon the reason names the binding file.
      expect(node?.detail).toMatch(/tfjs_binding\.node|not installed/);
    }
    const cuda = cudaReport();
    if (!cuda.available) for (const missing of cuda.missing) expect(gpu?.detail).toContain(missing);
  });

  it('when available, it really computes on libtensorflow', async (context) => {
    const node = (await describeBackends()).find((entry) => entry.name === 'node');
    if (!node?.available) return context.skip(`node backend unavailable here: ${node?.detail}`);
    const active = await selectBackend('node');
    expect(active.tfjsBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    // [[1, 2], [3, 4]] · [[5], [6]] = [[17], [39]], computed by the C library.
    const product = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([[5], [6]]),
    );
    expect(Array.from(await product.data())).toEqual([17, 39]);
    tf.dispose(product);
  });
});
