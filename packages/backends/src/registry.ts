import { BackendUnavailableError, ClickTuneError, InvalidOptionError } from '@clicktune/core';

export type BackendFamily = 'reference' | 'cpu' | 'wasm' | 'node' | 'webgpu' | 'webgl' | 'node-gpu';
export type Runtime = 'node' | 'browser';

/**
 * `autoSelect: false` marks a backend that works but should only run when
 * asked for by name (e.g. WebGPU on a software rasterizer, slower than wasm).
 */
export type ProbeResult = { readonly available: true; readonly detail?: string; readonly autoSelect?: boolean } | { readonly available: false; readonly reason: string };

/** What an activated backend is: the tfjs backend now in use (none for the pure-TS reference) and what it runs on. */
export interface ActiveBackend {
  readonly name: string;
  readonly family: BackendFamily;
  /** The tfjs backend name set with `tf.setBackend`, or null for the reference. */
  readonly tfjsBackend: string | null;
  readonly detail: string;
  /** Backends that auto-selection preferred but that probed available and failed to start, with why (it warned about each). */
  readonly passedOver?: readonly string[];
}

/**
 * A backend descriptor (DESIGN.md "Backends"). `probe` must not change
 * global state; `activate` makes the backend the current one or throws a
 * BackendUnavailableError that says why. A negative priority is never
 * chosen by `auto`, only by name.
 */
export interface BackendDescriptor {
  readonly name: string;
  readonly family: BackendFamily;
  readonly runtimes: readonly Runtime[];
  readonly priority: number;
  /** false: never chosen by `auto`, and not even probed by it (only by name or by `describe`). */
  readonly autoSelect?: boolean;
  probe(): Promise<ProbeResult>;
  /** `context.environment`: the variables the selection was given (the process's by default), for a backend's own settings. */
  activate(context?: ActivationContext): Promise<ActiveBackend>;
}

/** What `activate` is told: the environment variables the selection read (none in a browser). */
export interface ActivationContext {
  readonly environment: Readonly<Record<string, string | undefined>>;
}

export interface BackendDescription {
  readonly name: string;
  readonly family: BackendFamily;
  readonly priority: number;
  readonly available: boolean;
  /** Whether `auto` may choose it (false: by name only). */
  readonly autoSelect: boolean;
  /** Why it is unavailable, or what it runs on. */
  readonly detail: string;
}

export function currentRuntime(): Runtime {
  const globals = globalThis as { process?: { versions?: { node?: string } }; window?: unknown };
  return globals.process?.versions?.node !== undefined && globals.window === undefined ? 'node' : 'browser';
}

/** Environment variable that names the backend when no option does. */
export const BACKEND_ENVIRONMENT_VARIABLE = 'CLICKTUNE_BACKEND';

/**
 * The registry, after tfjs's `registerBackend`/`ready()` and
 * onnxruntime-web's resolution: probes are memoised, failures remembered with
 * their reason, and when nothing can start, one error lists every backend
 * with why it failed.
 */
export class BackendRegistry {
  private readonly descriptors = new Map<string, BackendDescriptor>();
  private readonly probes = new Map<string, Promise<ProbeResult>>();
  private readonly failures = new Map<string, string>();

  register(descriptor: BackendDescriptor): void {
    if (!/^[a-z][a-z0-9-]*$/.test(descriptor.name)) throw new InvalidOptionError(`backend name ${JSON.stringify(descriptor.name)} must be lowercase letters, digits and dashes`);
    this.descriptors.set(descriptor.name, descriptor);
    this.probes.delete(descriptor.name);
    this.failures.delete(descriptor.name);
  }

  has(name: string): boolean {
    return this.descriptors.has(name);
  }

  names(): string[] {
    return this.sorted().map((descriptor) => descriptor.name);
  }

  private sorted(): BackendDescriptor[] {
    return [...this.descriptors.values()].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  }

  /** Probes once per backend (memoised); a descriptor for another runtime is unavailable with that reason. */
  probe(name: string): Promise<ProbeResult> {
    const descriptor = this.descriptors.get(name);
    if (!descriptor) return Promise.resolve({ available: false, reason: `unknown backend (registered: ${this.names().join(', ')})` });
    let probe = this.probes.get(name);
    if (!probe) {
      const runtime = currentRuntime();
      probe = descriptor.runtimes.includes(runtime)
        ? descriptor.probe().catch((error: unknown) => ({ available: false as const, reason: `probe failed: ${(error as Error).message}` }))
        : Promise.resolve({ available: false as const, reason: `runs in ${descriptor.runtimes.join(' or ')}, not in ${runtime}` });
      this.probes.set(name, probe);
    }
    return probe;
  }

  /** Every registered backend, probed: for `clicktune backends`. */
  async describe(): Promise<BackendDescription[]> {
    return Promise.all(
      this.sorted().map(async (descriptor) => {
        const probe = await this.probe(descriptor.name);
        const failure = this.failures.get(descriptor.name);
        return {
          name: descriptor.name,
          family: descriptor.family,
          priority: descriptor.priority,
          available: probe.available && failure === undefined,
          autoSelect: descriptor.priority >= 0 && descriptor.autoSelect !== false && probe.available && probe.autoSelect !== false,
          detail: failure ?? (probe.available ? (probe.detail ?? '') : probe.reason),
        };
      }),
    );
  }

  /** The registered descriptor of that name, if any. */
  descriptor(name: string): BackendDescriptor | undefined {
    return this.descriptors.get(name);
  }

  /** Activates one backend by name (telling it the environment's variables); fails loudly with its reason. */
  async activate(name: string, environment: Record<string, string | undefined> = readEnvironment()): Promise<ActiveBackend> {
    const descriptor = this.descriptors.get(name);
    if (!descriptor) {
      // A name nothing registered is a mistake in the request (exit 2 in the CLI), not a backend that failed.
      throw new InvalidOptionError(`unknown backend ${JSON.stringify(name)}; registered: ${this.names().join(', ')} (a backend package must be imported to register itself)`, {
        location: { field: 'backend' },
      });
    }
    const probe = await this.probe(name);
    if (!probe.available) throw new BackendUnavailableError(`backend ${JSON.stringify(name)} is unavailable: ${probe.reason}`, { location: { field: 'backend' } });
    try {
      return await descriptor.activate({ environment });
    } catch (error) {
      const reason = (error as Error).message;
      this.failures.set(name, `failed to start: ${reason}`);
      throw new BackendUnavailableError(`backend ${JSON.stringify(name)} failed to start: ${reason}`, { location: { field: 'backend' }, cause: error });
    }
  }

  /**
   * Explicit option > CLICKTUNE_BACKEND > auto (the highest-priority backend
   * that probes available and starts, falling back past failures).
   */
  async select(option?: string, environment: Record<string, string | undefined> = readEnvironment()): Promise<ActiveBackend> {
    const requested = requestedBackend(option, environment);
    if (requested !== undefined) return this.activate(requested, environment);
    const tried: string[] = [];
    const failedToStart: string[] = [];
    for (const descriptor of this.sorted()) {
      if (descriptor.priority < 0 || descriptor.autoSelect === false) continue;
      const probe = await this.probe(descriptor.name);
      if (!probe.available) {
        tried.push(`${descriptor.name}: ${probe.reason}`);
        continue;
      }
      if (probe.autoSelect === false) {
        tried.push(`${descriptor.name}: available but not chosen automatically (${probe.detail ?? 'only by name'})`);
        continue;
      }
      try {
        const active = await this.activate(descriptor.name, environment);
        if (failedToStart.length === 0) return active;
        // A faster backend that should have run did not: say so instead of silently running slower.
        for (const failure of failedToStart) console.warn(`clicktune: ${failure}; using ${JSON.stringify(active.name)} instead`);
        return { ...active, passedOver: failedToStart };
      } catch (error) {
        const reason = ClickTuneError.isInstance(error) ? error.reason : (error as Error).message;
        tried.push(`${descriptor.name}: ${reason}`);
        failedToStart.push(reason);
      }
    }
    throw new BackendUnavailableError(`no backend could start:\n${tried.map((line) => `  - ${line}`).join('\n')}`, { location: { field: 'backend' } });
  }
}

/** The backend asked for by name: the option, else CLICKTUNE_BACKEND; undefined for auto. */
export function requestedBackend(option?: string, environment: Record<string, string | undefined> = readEnvironment()): string | undefined {
  const requested = option ?? environment[BACKEND_ENVIRONMENT_VARIABLE];
  return requested === undefined || requested === '' || requested === 'auto' ? undefined : requested;
}

/** The process's environment variables (none in a browser): what `select` reads when it is given none. */
export function readEnvironment(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}
