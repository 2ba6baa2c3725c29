import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

export default defineConfig(
  packageBuild({
    // The public entry and `./internal` share one copy of the ops and the gradient registrations.
    entry: { index: 'src/index.ts', internal: 'src/internal.ts' },
    splitting: true,
    // Bundle tfjs-core's gradient registrations (see src/gradients.ts); the
    // package itself stays an external peer dependency.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  }),
);
