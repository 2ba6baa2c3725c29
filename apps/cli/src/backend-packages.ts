import '@clicktune/backend-wasm';
import '@clicktune/backend-node';
import '@clicktune/backend-gpu';
import '@clicktune/backend-webgl';
import { availableParallelism } from 'node:os';
import type { FoldRunner } from '@clicktune/learn';
import { threadedFolds } from '@clicktune/learn/threads';
import { usageError } from './exit-codes';

/** The backend packages this app registers (imported above), as a worker thread imports them to register the same ones. */
const BACKEND_PACKAGES = ['@clicktune/backend-wasm', '@clicktune/backend-node', '@clicktune/backend-gpu', '@clicktune/backend-webgl'];

/** `--workers`: auto (one per core) or a whole number ≥ 1. */
export function parseWorkers(workers: string): number {
  const count = workers === 'auto' ? availableParallelism() : Number(workers);
  if (!(Number.isInteger(count) && count >= 1)) throw usageError(`--workers must be auto or a whole number ≥ 1, got ${JSON.stringify(workers)}`, '--workers');
  return count;
}

/**
 * How a cross-fitted round trains its folds: in up to `workers` worker
 * threads at a time, each starting the same backend; one worker (or one
 * fold) trains them in this thread.
 */
export function foldRunnerOf(workers: number, backend: string, folds: number): FoldRunner | undefined {
  if (Math.min(workers, folds) <= 1) return undefined;
  // The runner starts no more workers than it has tasks (the folds, and the adapter to serve beside them).
  return threadedFolds({ workers, backend, setup: BACKEND_PACKAGES.map((name) => import.meta.resolve(name)) });
}
