import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// `shims` gives the CJS build an import.meta.url for createRequire.
export default defineConfig(packageBuild({ shims: true, platform: 'node' }));
