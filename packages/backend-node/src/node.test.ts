import { describeBackends } from '@clicktune/backends';
import { describe, expect, it } from 'vitest';
import { cudaReport } from './node';
import './index';

describe('@clicktune/backend-node', () => {
  it('registers node and node-gpu, each with its exact state here', async () => {
    const described = await describeBackends();
    const node = described.find((entry) => entry.name === 'node');
    const gpu = described.find((entry) => entry.name === 'node-gpu');
    expect(node).toBeDefined();
    expect(gpu).toBeDefined();
    if (!node?.available) {
      // Without the downloaded (or offline-built) addon the reason names the binding file.
      expect(node?.detail).toMatch(/tfjs_binding\.node|not installed/);
    }
    const cuda = cudaReport();
    if (!cuda.available) for (const missing of cuda.missing) expect(gpu?.detail).toContain(missing);
  });
});
