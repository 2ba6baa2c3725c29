import '@clicktune/backend-wasm';
import { describe, expect, it } from 'vitest';
import { runBenchmarks } from './run';

const tiny = { sessions: 32, results: 6, clicks: 1, dimension: 8, batchSize: 16 };
const options = { iterations: 1, warmupIterations: 0, backends: ['cpu'], shape: tiny, scale: [{ ...tiny, dimension: 16 }] };

describe('runBenchmarks scale points', () => {
  it('measures W3 and W1 at each scale point on a backend fast enough', async () => {
    const run = await runBenchmarks({ ...options, minimumScaleRate: 0 });
    const scaled = run.measurements.filter((measurement) => measurement.backend === 'cpu' && measurement.shape.dimension === 16);
    expect(scaled.map((measurement) => measurement.workload)).toEqual(['W3', 'W1']);
    expect(run.backends.find((backend) => backend.name === 'cpu')?.scaleSkipped).toBeUndefined();
  });

  it('skips them on a backend slower than the threshold, and says why in the run', async () => {
    const run = await runBenchmarks({ ...options, minimumScaleRate: Number.POSITIVE_INFINITY });
    expect(run.measurements.filter((measurement) => measurement.shape.dimension === 16)).toEqual([]);
    expect(run.backends.find((backend) => backend.name === 'cpu')?.scaleSkipped).toMatch(/^W1 at \d+ sessions\/s \(< Infinity\)/);
  });
});
