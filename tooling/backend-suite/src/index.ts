export { type BackendRegistry, type BackendUnderTest, describeBackendSuite, describeBackendSuites, expectedBackends } from './suite';
