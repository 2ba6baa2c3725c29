import { packageTestConfig } from '../vitest.shared.ts';

const config = packageTestConfig({ inlineDependencies: [/@tensorflow\/tfjs-core\/dist\//] });
// In Node only the expectation check; the browser suite runs under vitest.browser.config.ts.
export default { ...config, test: { ...config.test, name: '@clicktune/all-backends', include: ['test/expected-backends.test.ts'] } };
