import * as registry from '@clicktune/backends';
import '@clicktune/backend-wasm';
import '@clicktune/backend-gpu';
import '@clicktune/backend-webgl';
import { describeBackendSuites } from '@clicktune/backend-suite';

// The shared backend suite in headless Chromium: every backend the page's registry has (webgpu, webgl, wasm, cpu, reference).
await describeBackendSuites(
  registry,
  (await registry.describeBackends()).map((backend) => backend.name),
);
