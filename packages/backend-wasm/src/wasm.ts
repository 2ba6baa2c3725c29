import { type BackendDescriptor, activateTfjsBackend } from '@clicktune/backends';

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

/** tfjs-backend-wasm as a ClickTune backend descriptor (also what importing this package registers). */
export function wasmBackend(options: WasmBackendOptions = {}): BackendDescriptor {
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
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths as string);
      if (options.threads) wasm.setThreadsCount(options.threads);
      const tf = await import('@tensorflow/tfjs-core');
      const detail = await activateTfjsBackend('wasm', () => 'tfjs-backend-wasm 4.22');
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
