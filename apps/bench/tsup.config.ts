import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

export default defineConfig([
  // An app: ESM only (tinybench is ESM-only), with its command-line entry.
  packageBuild({ entry: ['src/index.ts', 'src/cli.ts', 'src/recipe-child.ts'], format: ['esm'], platform: 'node' }),
  // The same workloads as one browser bundle, with every package's browser entry (see src/page.ts).
  {
    entry: { page: 'src/page.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    target: 'chrome120',
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ['browser', 'module', 'import', 'default'];
    },
    dts: false,
    sourcemap: false,
    clean: false,
    splitting: false,
  },
]);
