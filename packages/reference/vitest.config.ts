import { packageTestConfig } from '../../tooling/vitest.shared';

export default packageTestConfig();
