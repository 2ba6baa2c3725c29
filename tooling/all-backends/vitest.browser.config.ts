import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { browserTestConfig, findChromium } from '../vitest.shared.ts';

const require = createRequire(import.meta.url);
const wasmDistribution = `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`;

// The shared backend suite in headless Chromium: webgpu, webgl, wasm, cpu and the reference in one page.
export default browserTestConfig({
  name: 'backend suite (chromium)',
  include: ['test/browser-suite.test.ts'],
  dependencies: [
    'fast-check',
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-core/dist/register_all_gradients',
    '@tensorflow/tfjs-backend-cpu',
    '@tensorflow/tfjs-backend-wasm',
    '@clicktune/backend-webgl > @tensorflow/tfjs-backend-webgl',
    '@clicktune/backend-gpu > @tensorflow/tfjs-backend-webgpu',
    '@tensorflow/tfjs-layers',
  ],
  setupFiles: ['test/browser.setup.ts'],
  executablePath: findChromium() ?? 'chromium',
  provide: { wasmPaths: `/@fs${wasmDistribution}` },
});
