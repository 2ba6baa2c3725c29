// Importing this package registers the wasm backend in ClickTune's default
// registry; `setWasmPaths` tells that registered backend where its files are served.
import { registerBackend } from '@clicktune/backends';
import { wasmBackend } from './wasm';

registerBackend(wasmBackend());

export { setWasmPaths, WASM_FILES, type WasmBackendOptions, wasmBackend } from './wasm';
