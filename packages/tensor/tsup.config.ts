import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

export default defineConfig(
  packageBuild({
    // Bundle tfjs-core's gradient registrations (see src/gradients.ts); the
    // package itself stays an external peer dependency.
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  }),
);
