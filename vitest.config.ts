import { defineConfig } from 'vitest/config';
import { findChromium } from './tooling/vitest.shared.ts';

// One run over every package, so the suite ends with one summary. The browser
// projects run the shared suite again in headless Chromium when it is installed
// (tooling/scripts/setup-system.sh installs it); without it they are reported
// as skipped, with the reason, by one placeholder test.
const chromium = findChromium();

export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/all-backends/vitest.config.ts',
      // Every public package packed, installed with npm into a fresh project and used as users use it.
      { test: { name: 'consumer', include: ['tooling/consumer/*.test.ts'] } },
      ...(chromium
        ? ['tooling/all-backends/vitest.browser.config.ts']
        : [{ test: { name: 'chromium (unavailable)', include: ['tooling/chromium-unavailable.test.ts'] } }]),
    ],
    reporters: ['default', './tooling/summary-reporter.ts'],
  },
});
