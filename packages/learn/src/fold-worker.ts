import { parentPort, workerData } from 'node:worker_threads';
import { selectTensorBackend } from '@clicktune/backends';
import { ItemsSet } from '@clicktune/core';
import { deserializeFoldTask, serializeError, trainFold } from './folds';
import type { FoldWorkerData, FoldWorkerReply, FoldWorkerRequest } from './threads';

// A worker of `threadedFolds`: starts the parent's backend, then trains the folds it is sent, one at a time.
const data = workerData as FoldWorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
const reply = (message: FoldWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const controller = new AbortController();

function items(shared: FoldWorkerData['items']): ItemsSet {
  return ItemsSet.fromEmbeddings(shared.ids, shared.matrix, shared.dimension, { what: shared.what });
}

async function main(): Promise<void> {
  try {
    for (const module of data.setup) await import(module);
    await selectTensorBackend(data.backend);
    const context = { items: items(data.items), queries: data.queries ? items(data.queries) : undefined, signal: controller.signal };
    port.on('message', (request: FoldWorkerRequest) => {
      if (request.kind === 'abort') {
        controller.abort();
        return;
      }
      trainFold(deserializeFoldTask(request.task), context).then(
        (outcome) => reply({ kind: 'outcome', index: request.index, outcome }),
        (error: unknown) => reply({ kind: 'error', error: serializeError(error) }),
      );
    });
    reply({ kind: 'ready' });
  } catch (error) {
    reply({ kind: 'error', error: serializeError(error) });
  }
}

void main();
