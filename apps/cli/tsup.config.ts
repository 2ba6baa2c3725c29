import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// An app: ESM only (the bench's tinybench is ESM-only), with the `clicktune` entry.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/bin.ts'], format: ['esm'], platform: 'node' }));
