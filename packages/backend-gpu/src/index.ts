// Importing this package registers the webgpu backend in ClickTune's default registry.
import { registerBackend } from '@clicktune/backends';
import { webgpuBackend } from './webgpu';

registerBackend(webgpuBackend());

export { webgpuBackend } from './webgpu';
