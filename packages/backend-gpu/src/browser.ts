// The browser entry: WebGPU through the page's `navigator.gpu` (no Dawn).
import { registerBackend } from '@clicktune/backends';
import { webgpuBackend } from './webgpu-browser';

registerBackend(webgpuBackend());

export { webgpuBackend } from './webgpu-browser';
