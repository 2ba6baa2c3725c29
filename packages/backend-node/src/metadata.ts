import type { BackendDescriptor } from '@clicktune/backends';

type Metadata = Pick<BackendDescriptor, 'name' | 'family' | 'runtimes' | 'priority'>;

/** What the Node and browser entries say of the two backends alike (the browser entry only lists them). */
export const NODE_BACKENDS: Readonly<Record<'node' | 'node-gpu', Metadata>> = {
  node: { name: 'node', family: 'node', runtimes: ['node'], priority: 30 },
  'node-gpu': { name: 'node-gpu', family: 'node-gpu', runtimes: ['node'], priority: 40 },
};
