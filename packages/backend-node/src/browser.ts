// The browser entry: tfjs-node is a native addon, so in a page the node and
// node-gpu backends are registered only to be listed with that reason
// (the registry answers "runs in node, not in browser" without probing).
import { type BackendDescriptor, registerBackend } from '@clicktune/backends';

function nodeOnly(name: 'node' | 'node-gpu', priority: number): BackendDescriptor {
  const refuse = () => Promise.reject(new Error(`${name} needs Node: tfjs-node is a native addon`));
  return { name, family: name, runtimes: ['node'], priority, probe: refuse, activate: refuse };
}

export function nodeBackend(): BackendDescriptor {
  return nodeOnly('node', 30);
}

export function nodeGpuBackend(): BackendDescriptor {
  return nodeOnly('node-gpu', 40);
}

export function cudaReport(): { available: boolean; missing: string[] } {
  return { available: false, missing: ['CUDA is reached through tfjs-node-gpu, which needs Node'] };
}

registerBackend(nodeBackend());
registerBackend(nodeGpuBackend());
