import * as registry from '@clicktune/backends';
import '../src/index';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite on webgpu (Dawn, in Node).
await describeBackendSuites(registry, ['webgpu']);
