import type { ActiveBackend, BackendDescriptor } from './registry';

/** The pure-TS reference extractor: always available, no tfjs. Lowest priority for `auto`. */
export function referenceBackend(): BackendDescriptor {
  return {
    name: 'reference',
    family: 'reference',
    runtimes: ['node', 'browser'],
    priority: 0,
    probe: async () => ({ available: true, detail: 'pure TypeScript loops over typed arrays (no tfjs; no gradients)' }),
    activate: async (): Promise<ActiveBackend> => ({ name: 'reference', family: 'reference', tfjsBackend: null, detail: 'pure TypeScript' }),
  };
}

/**
 * Activates a tfjs backend that is registered with tfjs-core: waits for
 * `tf.setBackend`, which returns false when its initialisation failed.
 */
export async function activateTfjsBackend(tfjsName: string, describe: () => string): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  const ok = await tf.setBackend(tfjsName);
  if (!ok) throw new Error(`tf.setBackend('${tfjsName}') returned false (its initialisation failed)`);
  await tf.ready();
  return describe();
}

/** tfjs-backend-cpu: plain JavaScript kernels, available everywhere. */
export function cpuBackend(): BackendDescriptor {
  return {
    name: 'cpu',
    family: 'cpu',
    runtimes: ['node', 'browser'],
    priority: 10,
    probe: async () => ({ available: true, detail: 'tfjs-backend-cpu 4.22 (JavaScript kernels, one thread)' }),
    activate: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      const detail = await activateTfjsBackend('cpu', () => 'tfjs-backend-cpu 4.22 (JavaScript kernels, one thread)');
      const tf = await import('@tensorflow/tfjs-core');
      // The cpu backend greets Node users with a banner recommending tfjs-node on first use;
      // ClickTune reports the node backend's availability itself (`clicktune backends`).
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { name: 'cpu', family: 'cpu', tfjsBackend: 'cpu', detail };
    },
  };
}
