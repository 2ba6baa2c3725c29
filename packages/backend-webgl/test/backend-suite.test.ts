import * as registry from '@clicktune/backends';
import '../src/index';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite on webgl (in Node it is unavailable: the browser run in tooling/all-backends covers it).
await describeBackendSuites(registry, ['webgl']);
