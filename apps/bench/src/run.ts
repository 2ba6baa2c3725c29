import { type ActiveBackend, currentRuntime, describeBackends, selectBackend } from '@clicktune/backends';
import '@clicktune/backend-wasm';
import '@clicktune/backend-node';
import '@clicktune/backend-gpu';
import '@clicktune/backend-webgl';
import { type MeasureOptions, type Measurement, measureInference, measurePlanning, measureTraining } from './measure';
import { makeWorkload, STANDARD_SHAPE, type WorkloadShape } from './workload';

export interface BenchmarkOptions extends MeasureOptions {
  /** Backends to run (default: every available one). */
  backends?: string[];
  shape?: WorkloadShape;
  /** Extra shapes for the scale curve (W3 and W1 on each tfjs backend). */
  scale?: WorkloadShape[];
  /** A backend whose standard W1 runs below this many sessions/s skips the scale points (default 200). */
  minimumScaleRate?: number;
  onProgress?: (message: string) => void;
}

export interface BenchmarkEnvironment {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  /** The browser the `(chromium)` rows ran in, when they did. */
  readonly browser?: string;
}

export interface BenchmarkRun {
  readonly schemaVersion: 1;
  readonly startedAt: string;
  readonly environment: BenchmarkEnvironment;
  readonly backends: ReadonlyArray<{ name: string; available: boolean; benchmarked: boolean; detail: string; scaleSkipped?: string }>;
  readonly measurements: Measurement[];
}

/** Below this standard-shape W1 rate a backend skips the scale points (cpu here: 52 sessions/s). */
const MINIMUM_SCALE_RATE = 200;

/** Runs W1–W3 (and plan building) on every available backend, then the scale points. */
export async function runBenchmarks(options: BenchmarkOptions): Promise<BenchmarkRun> {
  const described = await describeBackends();
  // By default the backends `auto` may choose; a by-name-only backend runs when named in --backends.
  const wanted = described.filter((backend) => backend.available && (options.backends ? options.backends.includes(backend.name) : backend.autoSelect));
  const measurements: Measurement[] = [];
  const skippedScale = new Map<string, string>();
  const log = options.onProgress ?? (() => undefined);
  const shape = options.shape ?? STANDARD_SHAPE;
  const workload = makeWorkload(shape);
  log(`plan building (${shape.sessions} sessions)`);
  measurements.push(await measurePlanning(workload, options));
  for (const entry of wanted) {
    const backend: ActiveBackend = await selectBackend(entry.name);
    log(`${backend.name}: W3`);
    measurements.push(await measureInference(workload, backend, options));
    if (backend.tfjsBackend === null) continue;
    log(`${backend.name}: W1`);
    const standardW1 = await measureTraining(workload, 'W1', backend, options);
    log(`${backend.name}: W2`);
    measurements.push(standardW1, await measureTraining(workload, 'W2', backend, options));
    const minimumRate = options.minimumScaleRate ?? MINIMUM_SCALE_RATE;
    const scaleSkipped =
      options.scale?.length && standardW1.sessionsPerSecond < minimumRate
        ? `W1 at ${Math.round(standardW1.sessionsPerSecond)} sessions/s (< ${minimumRate}): the 10k-session point alone would take about ${Math.round((10 * 10_000) / standardW1.sessionsPerSecond / 60)} min`
        : undefined;
    if (scaleSkipped) {
      skippedScale.set(entry.name, scaleSkipped);
      log(`${backend.name}: scale points skipped — ${scaleSkipped}`);
      continue;
    }
    for (const point of options.scale ?? []) {
      const scaled = makeWorkload(point);
      log(`${backend.name}: scale ${point.sessions} sessions × ${point.results} results, dim ${point.dimension}`);
      measurements.push(await measureInference(scaled, backend, options));
      measurements.push(await measureTraining(scaled, 'W1', backend, options));
    }
  }
  return {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    environment: await runtimeEnvironment(),
    backends: described.map(({ name, available, detail }) => ({
      name,
      available,
      benchmarked: wanted.some((backend) => backend.name === name),
      detail,
      ...(skippedScale.has(name) ? { scaleSkipped: skippedScale.get(name) } : {}),
    })),
    measurements,
  };
}

async function runtimeEnvironment(): Promise<BenchmarkEnvironment> {
  if (currentRuntime() === 'browser') {
    const navigator = (globalThis as unknown as { navigator: { userAgent: string; hardwareConcurrency: number } }).navigator;
    return { node: '', platform: navigator.userAgent, cpus: navigator.hardwareConcurrency, browser: browserName(navigator.userAgent) };
  }
  const os = await import('node:os');
  return { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length };
}

/** "HeadlessChrome/156.0.0.0" from a user agent (the whole string when no known browser is named). */
export function browserName(userAgent: string): string {
  return /(HeadlessChrome|Chrome|Chromium|Firefox|Safari)\/[\d.]+/.exec(userAgent)?.[0] ?? userAgent;
}
