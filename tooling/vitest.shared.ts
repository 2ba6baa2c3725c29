import { defineConfig } from 'vitest/config';

/**
 * Tests import workspace packages through their `@clicktune/source`
 * export condition, so a test run never needs a previous build and always
 * sees the current source.
 */
const conditions = ['@clicktune/source', 'module', 'node', 'import', 'default'];

export function packageTestConfig(options: { testTimeout?: number; inlineDependencies?: RegExp[] } = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 30_000,
      setupFiles: [new URL('./fast-check.setup.ts', import.meta.url).pathname],
      reporters: ['default'],
      // Packages whose ES modules Node cannot load as they are (tfjs's
      // extension-less imports) are transformed by vite instead.
      server: { deps: { inline: options.inlineDependencies ?? [] } },
    },
  });
}
