// Importing this package registers the node and node-gpu backends in
// ClickTune's default registry; each probes itself and says why it cannot start.
import { registerBackend } from '@clicktune/backends';
import { nodeBackend, nodeGpuBackend } from './node';

registerBackend(nodeBackend());
registerBackend(nodeGpuBackend());

export { cudaReport, nodeBackend, nodeGpuBackend } from './node';
