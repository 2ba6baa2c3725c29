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
    ...overrides,
  };
}
