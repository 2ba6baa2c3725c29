// tfjs-backend-wasm's threaded build (XNNPACK over a pthread pool) in Node.
// tfjs turns threads off in Node (tensorflow/tfjs#3830): its Emscripten
// pthread workers start from blob: URLs, which Node's Worker refuses, and it
// caps the pool at half the logical cores (it assumes two hyper-threads per
// core). Here each pthread worker starts from node/pthread-worker.cjs, and
// the cores are counted as they are while the backend starts.

interface NodeProcess {
  readonly versions?: { readonly node?: string };
  readonly getBuiltinModule?: (name: string) => unknown;
}

type WorkerThreads = typeof import('node:worker_threads');
type NodeBuffer = typeof import('node:buffer');
type NodeOs = typeof import('node:os');
type NodeFs = typeof import('node:fs');
type NodeModule = typeof import('node:module');
type NodeUrl = typeof import('node:url');

function nodeProcess(): NodeProcess | undefined {
  const candidate = (globalThis as { process?: NodeProcess }).process;
  return typeof candidate?.versions?.node === 'string' ? candidate : undefined;
}

function builtin<T>(name: string): T {
  const node = nodeProcess();
  if (typeof node?.getBuiltinModule !== 'function') throw new Error(`Node's ${name} is out of reach: ${nodeThreadsUnavailable()}`);
  return node.getBuiltinModule(name) as T;
}

/** Why the threaded build cannot start in this Node, or null when it can. */
export function nodeThreadsUnavailable(): string | null {
  if (typeof nodeProcess()?.getBuiltinModule !== 'function') return `needs Node ≥ 20.16 (process.getBuiltinModule); this is ${nodeProcess()?.versions?.node}`;
  if (typeof SharedArrayBuffer !== 'function') return 'this Node has no SharedArrayBuffer';
  return null;
}

/** Threads by default: one per core on the main thread; one in a worker thread, whose siblings already use the other cores. */
export function defaultNodeThreads(): number {
  if (!builtin<WorkerThreads>('node:worker_threads').isMainThread) return 1;
  return builtin<NodeOs>('node:os').availableParallelism();
}

// Beside the package's dist/ and src/ alike; a variable, so that bundlers do not take it for an asset of browser builds.
const PTHREAD_WORKER = '../node/pthread-worker.cjs';

/** The Node modules behind the `require$$N` names in tfjs-backend-wasm's Node bundle, which its factory's source refers to. */
function bundleAliases(): Record<string, string> {
  const require = builtin<NodeModule>('node:module').createRequire(import.meta.url);
  const bundle = builtin<NodeFs>('node:fs').readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
  const aliases: Record<string, string> = {};
  for (const match of bundle.slice(0, 4000).matchAll(/var (require\$\$\d+) = require\('([\w:/.-]+)'\);/g)) aliases[match[1] as string] = match[2] as string;
  return aliases;
}

/**
 * Readies the threaded build for `threads` threads before tfjs starts the
 * backend. Returns what to call once it has started (or failed): it undoes
 * the temporary parts (the core count, Node's Worker) and lets the pool's
 * workers, which stay in tfjs's pool, no longer hold the process open.
 */
export function prepareNodeThreads(threads: number): () => void {
  const workerThreads = builtin<WorkerThreads>('node:worker_threads');
  const { resolveObjectURL } = builtin<NodeBuffer>('node:buffer');
  const os = builtin<NodeOs>('node:os');
  const script = builtin<NodeUrl>('node:url').fileURLToPath(new URL(PTHREAD_WORKER, import.meta.url));
  const aliases = bundleAliases();
  const NodeWorker = workerThreads.Worker;
  const pool = new Set<import('node:worker_threads').Worker>();
  let started = false;
  // XNNPACK's pool threads run for the life of the backend; once it has started they must not keep Node from exiting.
  class PthreadWorker extends NodeWorker {
    constructor(filename: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      if (typeof filename === 'string' && filename.startsWith('blob:')) {
        super(script, { ...options, workerData: { script: resolveObjectURL(filename), aliases } });
        pool.add(this);
        if (started) this.unref();
      } else {
        super(filename, options);
      }
    }

    override ref(): void {
      if (!(started && pool.has(this))) super.ref();
    }
  }
  const cpus = os.cpus;
  // tfjs's factory copies Worker from worker_threads to globalThis, and sizes the pool as min(threads, logical cores ÷ 2).
  (workerThreads as { Worker: unknown }).Worker = PthreadWorker;
  (os as { cpus: unknown }).cpus = () => new Array(2 * threads).fill(cpus()[0]);
  return () => {
    (workerThreads as { Worker: unknown }).Worker = NodeWorker;
    (os as { cpus: unknown }).cpus = cpus;
    started = true;
    for (const worker of pool) worker.unref();
  };
}
