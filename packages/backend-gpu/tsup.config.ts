import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared.ts';

// Two entries: Node (index) and browsers (browser), chosen by the `browser` export condition.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/browser.ts'] }));
