import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

/** The browser build swaps the Node file IO for `files.browser.ts` (same API, no `node:` imports). */
const browserFiles = {
  name: 'browser-files',
  setup(build: { onResolve: (options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }) => void }) {
    build.onResolve({ filter: /^\.\/files$/ }, (args) => ({ path: `${args.resolveDir}/files.browser.ts` }));
  },
};

export default defineConfig([
  packageBuild(),
  packageBuild({ entry: { browser: 'src/index.ts' }, platform: 'browser', dts: false, clean: false, esbuildPlugins: [browserFiles] }),
]);
