import { cpuBackend, referenceBackend } from './builtin';
import { BackendUnavailableError } from '@clicktune/core';
import { type ActiveBackend, BackendRegistry, requestedBackend } from './registry';

export { activateTfjsBackend, cpuBackend, referenceBackend } from './builtin';
export { isSoftwareRenderer, softwareNote } from './software';
export {
  type ActivationContext,
  type ActiveBackend,
  BACKEND_ENVIRONMENT_VARIABLE,
  type BackendDescription,
  type BackendDescriptor,
  type BackendFamily,
  BackendRegistry,
  currentRuntime,
  readEnvironment,
  type ProbeResult,
  type Runtime,
} from './registry';

const registryKey = Symbol.for('clicktune.backends.registry');

/**
 * The process-wide registry (kept on globalThis so that duplicated copies of
 * this package share it, as tfjs does with its engine), with the reference
 * and cpu backends registered.
 */
export function defaultRegistry(): BackendRegistry {
  const globals = globalThis as unknown as Record<symbol, BackendRegistry | undefined>;
  let registry = globals[registryKey];
  if (!registry) {
    registry = new BackendRegistry();
    registry.register(referenceBackend());
    registry.register(cpuBackend());
    globals[registryKey] = registry;
  }
  return registry;
}

/** Registers a backend in the default registry (what backend packages do when imported). */
export function registerBackend(descriptor: Parameters<BackendRegistry['register']>[0]): void {
  defaultRegistry().register(descriptor);
}

/** Selects and activates a backend: explicit option > CLICKTUNE_BACKEND > auto. */
export function selectBackend(option?: string, environment?: Record<string, string | undefined>) {
  return defaultRegistry().select(option, environment);
}

/**
 * Like selectBackend, for work that runs tensors: refuses the pure-TypeScript
 * `reference` backend (it has no tensors; it is the oracle the tests compare
 * against) with an error that names the backends that would work.
 */
export async function selectTensorBackend(option?: string, environment?: Record<string, string | undefined>): Promise<ActiveBackend> {
  const registry = defaultRegistry();
  const requested = requestedBackend(option, environment);
  const descriptor = requested === undefined ? undefined : registry.descriptor(requested);
  if (descriptor?.family === 'reference') {
    // Probing every backend here would start GPU drivers just to word an error; cpu always starts.
    const others = registry.names().filter((name) => registry.descriptor(name)?.family !== 'reference');
    throw new BackendUnavailableError(
      `backend "${requested}" runs no tensors (it is the pure-TypeScript oracle the tests compare against): this needs a tensor backend, e.g. cpu (always available) or auto; registered: ${others.join(', ')}`,
      {
        location: { field: 'backend' },
      },
    );
  }
  return registry.select(option, environment);
}

export function describeBackends() {
  return defaultRegistry().describe();
}
