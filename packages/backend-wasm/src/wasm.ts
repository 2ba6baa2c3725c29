import { type BackendDescriptor, activateTfjsBackend } from '@clicktune/backends';

/** The files tfjs-backend-wasm fetches (it picks one by what the runtime supports): serve all three from one folder. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from, for bundlers and browsers (a URL
   * prefix ending in `/`, or a map of file name → URL), passed to tfjs's
   * `setWasmPaths`. In Node the files are found beside the package.
   */
  wasmPaths?: string | Record<string, string>;
  /** Threads for the threaded build (browsers with cross-origin isolation only; tfjs disables threads in Node). */
  threads?: number;
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
    activate: async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (settings.wasmPaths) wasm.setWasmPaths(settings.wasmPaths as string);
      if (settings.threads) wasm.setThreadsCount(settings.threads);
      const tf = await import('@tensorflow/tfjs-core');
      let detail: string;
      try {
        detail = await activateTfjsBackend('wasm', () => 'tfjs-backend-wasm 4.22');
      } catch (error) {
        const urls = describeSource(settings.wasmPaths);
        const where =
          urls.length > 0
            ? `it fetched its .wasm file from one of ${await fetchStatuses(urls)}`
            : isBrowser()
              ? `no wasm paths were set, so it fetched its .wasm file relative to the page's script; copy ${WASM_FILES.join(', ')} from @tensorflow/tfjs-backend-wasm/dist/ to a served folder and call setWasmPaths('<that folder's URL>/')`
              : 'its .wasm files are looked for beside @tensorflow/tfjs-backend-wasm/dist/';
        throw new Error(`${(error as Error).message}; ${where}`);
      }
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return {
        name: 'wasm',
        family: 'wasm',
        tfjsBackend: 'wasm',
        detail: `${detail}, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? `on (${wasm.getThreadsCount()})` : 'off'}`,
      };
    },
  };
}
