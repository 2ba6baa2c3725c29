import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearAdapter } from './models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LinearAdapter', () => {
  it('leaves no tensor behind once disposed, whatever its towers', () => {
    for (const options of [{ towers: 'both' as const }, { towers: 'query' as const }, { shared: true }, { residual: true }]) {
      const before = tf.memory().numTensors;
      const adapter = new LinearAdapter({ inputDimension: 3, ...options });
      // One variable per adapted tower, nothing else.
      expect(tf.memory().numTensors - before).toBe(adapter.trainableVariables().length);
      adapter.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
