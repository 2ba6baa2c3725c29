import * as registry from '@clicktune/backends';
import '../src/index';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite on wasm.
await describeBackendSuites(registry, ['wasm']);
