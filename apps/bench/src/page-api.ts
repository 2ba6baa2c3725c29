import type { BackendDescription } from '@clicktune/backends';
import type { BenchmarkOptions, BenchmarkRun } from './run';

/** Where the page asks for tfjs's .wasm files, and where the driver serves them. */
export const WASM_ROUTE = '/wasm/';

/** What the bench page (./page.ts) puts on its window for the driver (./chromium.ts). */
declare global {
  var clickTuneProgress: ((message: string) => void) | undefined;
  var clickTuneDescribe: () => Promise<BackendDescription[]>;
  var clickTuneBench: (options: Omit<BenchmarkOptions, 'onProgress'>) => Promise<BenchmarkRun>;
}
