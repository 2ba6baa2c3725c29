import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// `threads` is Node's fold runner; `fold-worker` is the script its worker threads run (not imported by anyone).
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/threads.ts', 'src/fold-worker.ts'], shims: true }));
