import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// shims: the CJS build finds node/pthread-worker.cjs through import.meta.url too.
export default defineConfig(packageBuild({ shims: true }));
