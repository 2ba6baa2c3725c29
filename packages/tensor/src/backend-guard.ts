import { BackendUnavailableError } from '@clicktune/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Fails with a ClickTune error, not tfjs's "No backend found in registry",
 * when no tfjs backend is active — e.g. after selecting the pure-TypeScript
 * `reference` backend, which runs no tensors.
 */
export function requireTensorBackend(): void {
  try {
    void tf.engine().backend;
  } catch (error) {
    throw new BackendUnavailableError(
      `no tensor backend is active (${(error as Error).message}): select one first, e.g. selectBackend('cpu') from @clicktune/backends — the reference backend runs no tensors`,
      {
        location: { field: 'backend' },
        cause: error,
      },
    );
  }
}
