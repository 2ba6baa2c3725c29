import * as tf from '@tensorflow/tfjs-core';
import { clickTuneFailure } from '@clicktune/test-fixtures';
import { describe, expect, it, vi } from 'vitest';
import { defaultRegistry, describeBackends, selectBackend } from './index';
import { type BackendDescriptor, BackendRegistry } from './registry';

function descriptor(name: string, priority: number, behaviour: { available?: boolean; reason?: string; startError?: string } = {}): BackendDescriptor & { activations: number } {
  const result = {
    name,
    family: 'cpu' as const,
    runtimes: ['node', 'browser'] as const,
    priority,
    activations: 0,
    probe: async () => (behaviour.available === false ? { available: false as const, reason: behaviour.reason ?? 'missing' } : { available: true as const, detail: `${name} ok` }),
    activate: async () => {
      result.activations += 1;
      if (behaviour.startError) throw new Error(behaviour.startError);
      return { name, family: 'cpu' as const, tfjsBackend: null, detail: `${name} started` };
    },
  };
  return result;
}

describe('BackendRegistry selection', () => {
  it('explicit option > CLICKTUNE_BACKEND > auto by priority', async () => {
    const registry = new BackendRegistry();
    registry.register(descriptor('low', 1));
    registry.register(descriptor('high', 5));
    expect((await registry.select(undefined, {})).name).toBe('high');
    expect((await registry.select(undefined, { CLICKTUNE_BACKEND: 'low' })).name).toBe('low');
    expect((await registry.select('high', { CLICKTUNE_BACKEND: 'low' })).name).toBe('high');
    expect((await registry.select('auto', { CLICKTUNE_BACKEND: 'low' })).name).toBe('high');
  });

  it("tells the backend it starts the selection's environment variables, by name and by auto", async () => {
    const registry = new BackendRegistry();
    const seen: unknown[] = [];
    registry.register({
      ...descriptor('tuned', 1),
      activate: async (context) => {
        seen.push(context?.environment.TUNED_THREADS);
        return { name: 'tuned', family: 'cpu' as const, tfjsBackend: null, detail: 'tuned started' };
      },
    });
    await registry.select('tuned', { TUNED_THREADS: '3' });
    await registry.select(undefined, { TUNED_THREADS: '4' });
    await registry.select(undefined, { CLICKTUNE_BACKEND: 'tuned', TUNED_THREADS: '5' });
    expect(seen).toEqual(['3', '4', '5']);
  });

  it('auto falls back past unavailable and failing backends, remembering why; negative priority is never automatic', async () => {
    const registry = new BackendRegistry();
    const broken = descriptor('broken', 9, { startError: 'driver crashed' });
    registry.register(broken);
    registry.register(descriptor('absent', 8, { available: false, reason: 'no GPU' }));
    registry.register(descriptor('explicit-only', -1));
    registry.register(descriptor('fine', 1));
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
    const chosen = await registry.select(undefined, {});
    warn.mockRestore();
    expect(chosen.name).toBe('fine');
    // Falling back from a backend that should have started is said out loud, once, with its reason; an unavailable one is not.
    expect(chosen.passedOver).toEqual(['backend "broken" failed to start: driver crashed']);
    expect(warnings).toEqual(['clicktune: backend "broken" failed to start: driver crashed; using "fine" instead']);
    const described = await registry.describe();
    expect(described.map((entry) => [entry.name, entry.available, entry.detail])).toEqual([
      ['broken', false, 'failed to start: driver crashed'],
      ['absent', false, 'no GPU'],
      ['fine', true, 'fine ok'],
      ['explicit-only', true, 'explicit-only ok'],
    ]);
  });

  it('a backend marked autoSelect: false is available by name only', async () => {
    const registry = new BackendRegistry();
    registry.register({ ...descriptor('software-gpu', 50), probe: async () => ({ available: true as const, detail: 'software rasterizer', autoSelect: false }) });
    registry.register(descriptor('fine', 1));
    expect((await registry.select(undefined, {})).name).toBe('fine');
    expect((await registry.select('software-gpu', {})).name).toBe('software-gpu');
    let probed = false;
    registry.register({ ...descriptor('noisy', 60), autoSelect: false, probe: async () => ((probed = true), { available: true as const }) });
    expect((await registry.select(undefined, {})).name).toBe('fine');
    expect(probed).toBe(false);
  });

  it('an explicitly requested backend that cannot start fails loudly with its reason', async () => {
    const registry = new BackendRegistry();
    registry.register(descriptor('absent', 8, { available: false, reason: 'libtensorflow not installed' }));
    const error = await clickTuneFailure(registry.select('absent', {}));
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toMatch(/backend "absent" is unavailable: libtensorflow not installed/);
    const unknown = await clickTuneFailure(registry.select('tpu', {}));
    expect(unknown.message).toMatch(/unknown backend "tpu"; registered: absent/);
    expect(unknown.code).toBe('invalid-option');
  });

  it('when nothing starts, one error lists every backend with its failure', async () => {
    const registry = new BackendRegistry();
    registry.register(descriptor('a', 2, { available: false, reason: 'no A' }));
    registry.register(descriptor('b', 1, { startError: 'B exploded' }));
    const error = await clickTuneFailure(registry.select(undefined, {}));
    expect(error.message).toMatch(/no backend could start:\n {2}- a: no A\n {2}- b: backend "b" failed to start: B exploded/);
  });

  it('probes once (memoised) and marks descriptors for another runtime unavailable', async () => {
    const registry = new BackendRegistry();
    let probes = 0;
    registry.register({ ...descriptor('counted', 1), probe: async () => ((probes += 1), { available: true as const }) });
    registry.register({ ...descriptor('browser-only', 3), runtimes: ['browser'] });
    await registry.describe();
    await registry.describe();
    expect(probes).toBe(1);
    expect((await registry.probe('browser-only')).available).toBe(false);
    expect(((await registry.probe('browser-only')) as { reason: string }).reason).toBe('runs in browser, not in node');
  });
});

describe('the default registry', () => {
  it('has reference and cpu, and activates tfjs-backend-cpu for real', async () => {
    expect(defaultRegistry().names()).toEqual(expect.arrayContaining(['cpu', 'reference']));
    const active = await selectBackend('cpu', {});
    expect(active.tfjsBackend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
    const described = await describeBackends();
    expect(described.find((entry) => entry.name === 'reference')?.available).toBe(true);
  });
});
