import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { allocateMatrix, InvalidOptionError, type ItemsSet } from '@clicktune/core';
import { deserializeError, type FoldContext, type FoldOutcome, type FoldRunner, type FoldTask, type SerializedError, serializeFoldTask } from './folds';

export type { FoldContext, FoldOutcome, FoldRunner, FoldTask } from './folds';

export interface ThreadedFoldsOptions {
  /** Worker threads (default: the machine's available parallelism, at most the number of folds). */
  readonly workers?: number;
  /** The backend each worker trains on, by registry name (e.g. "node", "wasm", "cpu"): what `selectTensorBackend` takes. */
  readonly backend: string;
  /**
   * Modules each worker imports first, as URLs or absolute paths: the backend
   * packages that register the backend, e.g.
   * `import.meta.resolve('@clicktune/backend-node')`.
   */
  readonly setup?: readonly string[];
  /** Node flags for the workers (default: this thread's, as Node passes them on). */
  readonly execArgv?: readonly string[];
}

/** The catalogue as it crosses to the workers: one shared copy of its matrix. */
interface SharedItems {
  readonly ids: readonly string[];
  readonly matrix: Float32Array;
  readonly dimension: number;
  readonly what: string;
}

export interface FoldWorkerData {
  readonly setup: readonly string[];
  readonly backend: string;
  readonly items: SharedItems;
  readonly queries?: SharedItems;
}

export type FoldWorkerRequest = { kind: 'fold'; index: number; task: ReturnType<typeof serializeFoldTask> } | { kind: 'abort' };
export type FoldWorkerReply = { kind: 'ready' } | { kind: 'outcome'; index: number; outcome: FoldOutcome } | { kind: 'error'; error: SerializedError };

/**
 * Cross-fitting's folds in worker threads (Node), up to `workers` at a time.
 * Every worker starts the named backend and trains whole folds, so numbers
 * are those of the same folds trained one after another. Pays where one
 * training does not fill the cores: small products (d ≤ 384, tens of rows)
 * and single-threaded backends (wasm, cpu).
 */
export function threadedFolds(options: ThreadedFoldsOptions): FoldRunner {
  const requested = options.workers ?? availableParallelism();
  if (!(Number.isInteger(requested) && requested >= 1)) throw new InvalidOptionError(`workers must be a whole number ≥ 1, got ${requested}`, { location: { field: 'workers' } });
  return {
    parallel: requested > 1,
    run: (tasks, context) => runInWorkers(tasks, context, Math.min(requested, tasks.length), options),
  };
}

function shared(items: ItemsSet): SharedItems {
  const matrix = items.matrix.buffer instanceof SharedArrayBuffer ? items.matrix : copyToShared(items.matrix);
  return { ids: items.ids, matrix, dimension: items.dimension, what: items.what };
}

function copyToShared(values: Float32Array): Float32Array {
  const copy = allocateMatrix(values.length);
  copy.set(values);
  return copy;
}

async function runInWorkers(tasks: readonly FoldTask[], context: FoldContext, count: number, options: ThreadedFoldsOptions): Promise<FoldOutcome[]> {
  if (tasks.length === 0) return [];
  const workerData: FoldWorkerData = {
    setup: options.setup ?? [],
    backend: options.backend,
    items: shared(context.items),
    queries: context.queries ? shared(context.queries) : undefined,
  };
  const outcomes: Array<FoldOutcome | undefined> = new Array(tasks.length);
  const workers: Worker[] = [];
  let next = 0;
  let stopped = false;
  const abort = () => {
    stopped = true;
    for (const worker of workers) worker.postMessage({ kind: 'abort' } satisfies FoldWorkerRequest);
  };
  context.signal?.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const feed = (worker: Worker) => {
        if (failed) return;
        if (stopped || next >= tasks.length) {
          if (running === 0) resolve();
          return;
        }
        const index = next;
        next += 1;
        running += 1;
        worker.postMessage({ kind: 'fold', index, task: serializeFoldTask(tasks[index] as FoldTask) } satisfies FoldWorkerRequest);
      };
      for (let index = 0; index < count; index += 1) {
        const worker = new Worker(new URL('./fold-worker.js', import.meta.url), { workerData, ...(options.execArgv ? { execArgv: [...options.execArgv] } : {}) });
        workers.push(worker);
        worker.on('message', (reply: FoldWorkerReply) => {
          if (reply.kind === 'ready') feed(worker);
          else if (reply.kind === 'error') fail(deserializeError(reply.error));
          else {
            running -= 1;
            outcomes[reply.index] = reply.outcome;
            if (reply.outcome.interrupted) stopped = true;
            feed(worker);
          }
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (code !== 0) fail(new Error(`a fold worker exited with code ${code}`));
        });
      }
      if (context.signal?.aborted) abort();
    });
  } finally {
    context.signal?.removeEventListener('abort', abort);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  // In task order, up to the first fold that did not finish (the caller reports an interrupted round).
  const finished: FoldOutcome[] = [];
  for (const outcome of outcomes) {
    if (!outcome) break;
    finished.push(outcome);
    if (outcome.interrupted) break;
  }
  return finished;
}
