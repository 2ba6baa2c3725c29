import * as registry from '../src/index';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite on the reference and cpu backends (built in).
await describeBackendSuites(registry, ['reference', 'cpu']);
