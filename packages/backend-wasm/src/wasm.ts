import { type ActivationContext, type BackendDescriptor, activateTfjsBackend, currentRuntime, readEnvironment } from '@clicktune/backends';
import { InvalidOptionError } from '@clicktune/core';
import { defaultNodeThreads, nodeThreadsUnavailable, prepareNodeThreads } from './node-threads';

/** The files tfjs-backend-wasm fetches (it picks one by what the runtime supports): serve all three from one folder. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from, for bundlers and browsers (a URL
   * prefix ending in `/`, or a map of file name → URL), passed to tfjs's
   * `setWasmPaths`. In Node the files are found beside the package.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads of the threaded build (XNNPACK's pool). In Node: default one per
   * core on the main thread and one in a worker thread, or
   * `CLICKTUNE_WASM_THREADS`; 1 starts the single-threaded build. In a
   * browser tfjs uses threads only with cross-origin isolation.
   */
  threads?: number;
}

/** The environment variable that sets the wasm backend's threads in Node when `threads` is not given. */
export const WASM_THREADS_ENVIRONMENT_VARIABLE = 'CLICKTUNE_WASM_THREADS';

function threadCount(value: unknown, field: string): number {
  const count = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 64) {
    throw new InvalidOptionError(`must be a whole number of threads from 1 to 64, got ${JSON.stringify(value)}`, { location: { field } });
  }
  return count;
}

/** Threads for Node, or why there is one: the option, the environment variable, or one per core. */
function nodeThreads(option: number | undefined, environment: ActivationContext['environment']): { threads: number; note: string | null } {
  const fromEnvironment = environment[WASM_THREADS_ENVIRONMENT_VARIABLE];
  const requested =
    option !== undefined
      ? threadCount(option, 'threads')
      : fromEnvironment !== undefined && fromEnvironment !== ''
        ? threadCount(fromEnvironment, WASM_THREADS_ENVIRONMENT_VARIABLE)
        : null;
  const unavailable = nodeThreadsUnavailable();
  if (unavailable) return { threads: 1, note: requested === 1 ? null : unavailable };
  return { threads: requested ?? defaultNodeThreads(), note: null };
}

/** Settings of the backend that importing this package registers (changed with `setWasmPaths`). */
const registered: WasmBackendOptions = {};

/**
 * Where the registered wasm backend fetches its `.wasm` files from (a URL
 * prefix ending in `/`, or a map of file name → URL). Call it before the
 * backend starts, e.g. `setWasmPaths('/assets/wasm/')` after copying
 * `WASM_FILES` from `@tensorflow/tfjs-backend-wasm/dist/` there.
 */
export function setWasmPaths(paths: string | Record<string, string>): void {
  registered.wasmPaths = paths;
}

function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'object';
}

/** The URLs tfjs would fetch, for the error when the backend does not start. */
function describeSource(paths: WasmBackendOptions['wasmPaths']): string[] {
  if (paths === undefined) return [];
  const base = isBrowser() ? (globalThis as unknown as { document: { baseURI: string } }).document.baseURI : undefined;
  return WASM_FILES.map((file) => {
    const url = typeof paths === 'string' ? `${paths}${file}` : paths[file];
    if (url === undefined) return `${file} (not in wasmPaths)`;
    try {
      return base === undefined ? url : new URL(url, base).href;
    } catch {
      return url;
    }
  });
}

/** In a browser, what each URL answers (a 404 is the usual reason a start fails). */
async function fetchStatuses(urls: readonly string[]): Promise<string> {
  if (!isBrowser() || typeof fetch !== 'function') return urls.join(', ');
  const statuses = await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(url, { method: 'HEAD' });
        return `${url} (HTTP ${response.status})`;
      } catch (error) {
        return `${url} (${(error as Error).message})`;
      }
    }),
  );
  return statuses.join(', ');
}

/**
 * tfjs-backend-wasm as a ClickTune backend descriptor (also what importing
 * this package registers; `options` given here apply to this descriptor only).
 */
export function wasmBackend(options?: WasmBackendOptions): BackendDescriptor {
  const settings = options ?? registered;
  return {
    name: 'wasm',
    family: 'wasm',
    runtimes: ['node', 'browser'],
    priority: 20,
    probe: async () => {
      if (typeof WebAssembly !== 'object') return { available: false, reason: 'this runtime has no WebAssembly' };
      return { available: true, detail: 'tfjs-backend-wasm 4.22 (XNNPACK)' };
    },
    activate: async (context) => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (settings.wasmPaths) wasm.setWasmPaths(settings.wasmPaths as string);
      const tf = await import('@tensorflow/tfjs-core');
      // In a browser tfjs decides on threads itself (cross-origin isolation).
      const node = currentRuntime() === 'node' ? nodeThreads(settings.threads, context?.environment ?? readEnvironment()) : null;
      let restore = () => {};
      if (node && node.threads > 1) {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        wasm.setThreadsCount(node.threads);
        restore = prepareNodeThreads(node.threads);
      } else if (!node && settings.threads) {
        wasm.setThreadsCount(threadCount(settings.threads, 'threads'));
      }
      let detail: string;
      try {
        detail = await activateTfjsBackend('wasm', () => 'tfjs-backend-wasm 4.22');
      } catch (error) {
        if (node && node.threads > 1) {
          throw new Error(
            `${(error as Error).message}; the threaded build did not start with ${node.threads} threads: ${WASM_THREADS_ENVIRONMENT_VARIABLE}=1 (or threads: 1) starts the single-threaded one`,
          );
        }
        const urls = describeSource(settings.wasmPaths);
        const where =
          urls.length > 0
            ? `it fetched its .wasm file from one of ${await fetchStatuses(urls)}`
            : isBrowser()
              ? `no wasm paths were set, so it fetched its .wasm file relative to the page's script; copy ${WASM_FILES.join(', ')} from @tensorflow/tfjs-backend-wasm/dist/ to a served folder and call setWasmPaths('<that folder's URL>/')`
              : 'its .wasm files are looked for beside @tensorflow/tfjs-backend-wasm/dist/';
        throw new Error(`${(error as Error).message}; ${where}`);
      } finally {
        restore();
      }
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return {
        name: 'wasm',
        family: 'wasm',
        tfjsBackend: 'wasm',
        detail: `${detail}, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? `on (${wasm.getThreadsCount()})` : `off${node?.note ? ` (${node.note})` : ''}`}`,
      };
    },
  };
}
