import { defineConfig } from 'tsup';
import { packageBuild } from '../../tooling/tsup.shared';

export default defineConfig(packageBuild());
