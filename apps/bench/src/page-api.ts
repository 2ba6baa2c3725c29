import type { BackendDescription } from '@clicktune/backends';
import type { BenchmarkOptions, BenchmarkRun } from './run';

/** What the bench page (./page.ts) puts on its window for the driver (./chromium.ts). */
declare global {
  var clickTuneProgress: ((message: string) => void) | undefined;
  var clickTuneDescribe: () => Promise<BackendDescription[]>;
  var clickTuneBench: (options: Omit<BenchmarkOptions, 'onProgress'>) => Promise<BenchmarkRun>;
}
