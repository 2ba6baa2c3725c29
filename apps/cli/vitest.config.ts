import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../tooling/vitest.shared.ts';

export default mergeConfig(
  packageTestConfig({ inlineDependencies: [/@tensorflow\/tfjs-core\/dist\//], testTimeout: 120_000 }),
  defineConfig({ test: { globalSetup: ['./test/build.setup.ts'] } }),
);
