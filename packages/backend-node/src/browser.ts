// The browser entry: tfjs-node is a native addon, so in a page the node and
// node-gpu backends are registered only to be listed with that reason
// (the registry answers "runs in node, not in browser" without probing).
import { type BackendDescriptor, registerBackend } from '@clicktune/backends';
import { NODE_BACKENDS } from './metadata';

function nodeOnly(name: 'node' | 'node-gpu'): BackendDescriptor {
  const refuse = () => Promise.reject(new Error(`${name} needs Node: tfjs-node is a native addon`));
  return { ...NODE_BACKENDS[name], probe: refuse, activate: refuse };
}

export function nodeBackend(): BackendDescriptor {
  return nodeOnly('node');
}

export function nodeGpuBackend(): BackendDescriptor {
  return nodeOnly('node-gpu');
}

export function cudaReport(): { available: boolean; missing: string[] } {
  return { available: false, missing: ['CUDA is reached through tfjs-node-gpu, which needs Node'] };
}

registerBackend(nodeBackend());
registerBackend(nodeGpuBackend());
