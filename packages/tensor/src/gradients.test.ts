import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect, it } from 'vitest';
import './gradients';

it('gradients are registered: d/dX sum(X·X) by hand', async () => {
  await tf.setBackend('cpu');
  const x = tf.variable(
    tf.tensor2d([
      [1, 2],
      [3, 4],
    ]),
  );
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.matMul(x, x)));
  // sum(X·X) = 7 + 10 + 15 + 22 = 54; gradient = 1·Xᵀ + Xᵀ·1 = [[3+4, 3+8], [...]] → [7, 11, 9, 13].
  expect(value.dataSync()[0]).toBe(54);
  expect(Array.from(grads[x.name]?.dataSync() ?? [])).toEqual([7, 11, 9, 13]);
});
