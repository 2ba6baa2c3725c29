// Importing this package registers the wasm backend in ClickTune's default
// registry (as tfjs backends register themselves); `wasmBackend()` is the
// explicit factory for bundlers and tests.
import { registerBackend } from '@clicktune/backends';
import { wasmBackend } from './wasm';

registerBackend(wasmBackend());

export { type WasmBackendOptions, wasmBackend } from './wasm';
