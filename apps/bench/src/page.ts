// The bench in a browser page: bundled with the `browser` condition (no Dawn,
// no tfjs-node), driven by ./chromium.ts. The page's backends are the browser
// entries: webgpu (navigator.gpu), webgl, wasm (its .wasm files served at WASM_ROUTE).
import { describeBackends } from '@clicktune/backends';
import { setWasmPaths } from '@clicktune/backend-wasm';
import { WASM_ROUTE } from './page-api';
import { runBenchmarks } from './run';

setWasmPaths(WASM_ROUTE);

globalThis.clickTuneBench = (options) => runBenchmarks({ ...options, onProgress: (message) => globalThis.clickTuneProgress?.(message) });
globalThis.clickTuneDescribe = () => describeBackends();
