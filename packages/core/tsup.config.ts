import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

/** The browser build swaps the Node file IO for `files.browser.ts` (same API, no `node:` imports). */
const browserFiles = {
  name: 'browser-files',
  setup(build: { onResolve: (options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }) => void }) {
    build.onResolve({ filter: /^\.\/files$/ }, (args) => ({ path: `${args.resolveDir}/files.browser.ts` }));
  },
};

// Code splitting, so that the public entry and `./internal` share one copy of
// the planner and the error classes (one `instanceof` for both).
export default defineConfig([
  packageBuild({ entry: { index: 'src/index.ts', internal: 'src/internal.ts' }, splitting: true }),
  packageBuild({
    entry: { browser: 'src/index.ts', 'browser-internal': 'src/internal.ts' },
    splitting: true,
    platform: 'browser',
    dts: false,
    clean: false,
    esbuildPlugins: [browserFiles],
  }),
]);
