import type { Options } from 'tsup';

/**
 * One build for every package: ESM + CJS + type declarations from
 * `src/index.ts` (the package's only public entry).
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'neutral',
    splitting: false,
    treeshake: true,
    // Maps point at the shipped src/ instead of embedding it, so a bundled
    // third-party module (tfjs-core's gradients in tensor) adds no sources.
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    ...overrides,
  };
}
