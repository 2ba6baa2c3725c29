import { describeBackends } from '@clicktune/backends';
import '@clicktune/backend-wasm';
import '@clicktune/backend-node';
import '@clicktune/backend-gpu';
import '@clicktune/backend-webgl';
import { expectedBackends } from '@clicktune/backend-suite';
import { describe, expect, it } from 'vitest';

// Each backend package runs the shared suite on its own backends; this checks, with every package loaded,
// that each backend CI expects on its machine exists and starts, so none can silently pass as "skipped".
const expected = expectedBackends();
const backends = await describeBackends();

describe('the backends this machine is expected to have', () => {
  if (expected.length === 0) it.skip('skipped: CLICKTUNE_EXPECT_BACKENDS names none here', () => undefined);
  it.each(expected)('%s is registered and available', (name) => {
    const backend = backends.find((entry) => entry.name === name);
    expect(backend, `no backend named ${name} is registered`).toBeDefined();
    expect(backend?.available, `${name}: ${backend?.detail}`).toBe(true);
  });
});
