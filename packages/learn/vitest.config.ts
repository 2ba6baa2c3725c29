import { packageTestConfig } from '../../tooling/vitest.shared.ts';

export default packageTestConfig({ inlineDependencies: [/@tensorflow\/tfjs-core\/dist\//], testTimeout: 120_000 });
