import { type BackendDescriptor, activateTfjsBackend, softwareNote } from '@clicktune/backends';
import { type AdapterLike, describeAdapter } from './adapter';

interface BrowserGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
}

async function browserAdapter(): Promise<{ description: string; software: boolean } | { reason: string }> {
  const gpu = (globalThis as { navigator?: { gpu?: BrowserGpu } }).navigator?.gpu;
  if (!gpu) return { reason: 'navigator.gpu is missing (WebGPU needs a secure context — https or localhost — and a browser that enables it)' };
  const adapter = await gpu.requestAdapter();
  return adapter ? describeAdapter(adapter) : { reason: 'navigator.gpu.requestAdapter() returned null (no usable GPU, or WebGPU blocklisted)' };
}

/** WebGPU in a browser through `navigator.gpu`; a software adapter (SwiftShader) only by name. */
export function webgpuBackend(): BackendDescriptor {
  return {
    name: 'webgpu',
    family: 'webgpu',
    runtimes: ['browser'],
    priority: 50,
    probe: async () => {
      const result = await browserAdapter();
      if ('reason' in result) return { available: false, reason: result.reason };
      return { available: true, detail: `${result.description}${result.software ? `${softwareNote(true)}; by name: backend 'webgpu'` : ''}`, autoSelect: !result.software };
    },
    activate: async () => {
      const result = await browserAdapter();
      if ('reason' in result) throw new Error(result.reason);
      await import('@tensorflow/tfjs-backend-webgpu');
      const detail = await activateTfjsBackend('webgpu', () => `tfjs-backend-webgpu 4.22 on ${result.description}`);
      return { name: 'webgpu', family: 'webgpu', tfjsBackend: 'webgpu', detail };
    },
  };
}
