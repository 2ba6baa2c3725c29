import * as registry from '@clicktune/backends';
import '../src/index';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite on tfjs-node and tfjs-node-gpu.
await describeBackendSuites(registry, ['node', 'node-gpu']);
