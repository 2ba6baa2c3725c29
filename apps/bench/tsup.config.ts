import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// An app: ESM only (tinybench is ESM-only), with its command-line entry.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/cli.ts'], format: ['esm'], platform: 'node' }));
