import { BackendRegistry, describeBackends, selectBackend } from '@clicktune/backends';
import { describe, expect, it } from 'vitest';
import { webglBackend } from './index';

describe('@clicktune/backend-webgl in Node', () => {
  it('registers itself on import and is listed unavailable with the reason', async () => {
    const webgl = (await describeBackends()).find((entry) => entry.name === 'webgl');
    expect(webgl).toMatchObject({ available: false, autoSelect: false, detail: 'runs in browser, not in node' });
    await expect(selectBackend('webgl', {})).rejects.toThrow(/backend "webgl" is unavailable: runs in browser, not in node/);
  });

  it('is never chosen by auto in Node', async () => {
    const registry = new BackendRegistry();
    registry.register(webglBackend());
    await expect(registry.select(undefined, {})).rejects.toThrow(/webgl: runs in browser, not in node/);
  });
});
