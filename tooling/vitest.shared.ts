import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_FLAGS } from './chromium.ts';
import { fastCheckSeed } from './fast-check-seed.ts';

export { findChromium } from './chromium.ts';

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
      setupFiles: ['./fast-check.setup.ts', './temporary-folder.setup.ts'].map((file) => new URL(file, import.meta.url).pathname),
      reporters: ['default'],
      // Packages whose ES modules Node cannot load as they are (tfjs's
      // extension-less imports) are transformed by vite instead.
      server: { deps: { inline: options.inlineDependencies ?? [] } },
    },
  });
}

/**
 * The same test files run in headless Chromium (vitest browser mode over
 * playwright-core), resolving workspace packages to their sources with the
 * `browser` condition first, so browser entries (no Dawn, no tfjs-node) load.
 */
export function browserTestConfig(options: {
  name: string;
  dependencies: string[];
  include: string[];
  setupFiles: string[];
  executablePath: string;
  provide?: Record<string, unknown>;
  testTimeout?: number;
}) {
  const browserConditions = ['@clicktune/source', 'browser', 'module', 'import', 'default'];
  return defineConfig({
    resolve: { conditions: browserConditions },
    server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
    // Pre-bundled up front: a dependency found mid-run makes vite re-bundle and reload the page.
    optimizeDeps: { include: options.dependencies },
    test: {
      name: options.name,
      include: options.include,
      testTimeout: options.testTimeout ?? 300_000,
      setupFiles: options.setupFiles,
      provide: { fastCheckSeed: fastCheckSeed(process.env) ?? null, ...options.provide },
      reporters: ['default'],
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({ launchOptions: { executablePath: options.executablePath, args: CHROMIUM_FLAGS } }),
        instances: [{ browser: 'chromium' }],
      },
    },
  });
}
