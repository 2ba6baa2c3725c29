'use strict';
// One pthread of tfjs-backend-wasm's threaded build, in a Node worker thread
// (started by src/node-threads.ts in place of tfjs's blob: URL worker).
//
// tfjs hands its pthread script and its module factory over as Blobs, which
// Node cannot start or import; both also refer to module-scope names of
// tfjs's Node bundle (`require`, `__filename`, `commonjsGlobal`, and the
// bundle's `require$$N` aliases of Node modules). This worker defines those
// names, reads the Blobs, and then runs tfjs's own script unchanged.
const { parentPort, workerData } = require('node:worker_threads');

// Messages that arrive before tfjs's script has started are handled after it, in order.
const early = [];
const hold = (data) => early.push(data);
parentPort.on('message', hold);

const aliases = Object.fromEntries(Object.entries(workerData.aliases).map(([name, module]) => [name, require(module)]));
Object.assign(globalThis, aliases, { require, __filename, __dirname, commonjsGlobal: globalThis, _scriptDir: undefined });

const rethrow = (error) => {
  setImmediate(() => {
    throw error;
  });
};

workerData.script.text().then((source) => {
  parentPort.off('message', hold);
  (0, eval)(source);
  // tfjs's script listens on parentPort and reads scripts with fs; the factory it is sent (cmd "load") is a Blob, read here first.
  parentPort.removeAllListeners('message');
  const sources = new Map();
  const importFile = globalThis.importScripts;
  globalThis.importScripts = (name) => (sources.has(name) ? (0, eval)(sources.get(name)) : importFile(name));
  let queue = Promise.resolve();
  const handle = (data) => {
    queue = queue
      .then(async () => {
        if (data && data.cmd === 'load' && typeof data.urlOrBlob === 'object' && data.urlOrBlob !== null) {
          const name = 'clicktune:tfjs-backend-wasm-threaded-simd';
          sources.set(name, await data.urlOrBlob.text());
          globalThis.onmessage({ data: { ...data, urlOrBlob: name } });
        } else {
          globalThis.onmessage({ data });
        }
      })
      .catch(rethrow);
  };
  parentPort.on('message', handle);
  for (const data of early) handle(data);
}, rethrow);
