import { setWasmPaths } from '@clicktune/backend-wasm';
import fc from 'fast-check';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    fastCheckSeed: number | null;
    wasmPaths: string;
  }
}

// In the page there is no process.env: the seed comes from the config (see tooling/fast-check-seed.ts).
const seed = inject('fastCheckSeed');
if (seed !== null) fc.configureGlobal({ seed });

// A bundled page cannot find tfjs's .wasm files beside a script, so, as a user would, say where they are served.
setWasmPaths(inject('wasmPaths'));
