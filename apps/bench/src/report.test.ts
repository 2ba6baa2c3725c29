import { describe, expect, it } from 'vitest';
import type { Measurement } from './measure';
import { checkQuickRun, markdownTable, svgChart, textTable } from './report';
import type { BenchmarkRun } from './run';
import { STANDARD_SHAPE } from './workload';

function measurement(backend: string, workload: Measurement['workload'], sessionsPerSecond: number, meanLoss: number | null = null): Measurement {
  return {
    backend,
    backendDetail: backend,
    workload,
    shape: STANDARD_SHAPE,
    sessionsPerSecond,
    medianMs: 1024_000 / sessionsPerSecond,
    samples: 3,
    matmulMs: null,
    rooflineFraction: workload === 'W1' ? 0.5 : null,
    peakBytes: null,
    tensorGrowth: 0,
    meanLoss,
  };
}

function run(measurements: Measurement[]): BenchmarkRun {
  return {
    schemaVersion: 1,
    startedAt: '2026-11-28T00:00:00.000Z',
    environment: { node: 'v20', platform: 'linux x64', cpus: 2 },
    backends: [
      { name: 'reference', available: true, benchmarked: true, detail: '' },
      { name: 'wasm', available: true, benchmarked: true, detail: '' },
      { name: 'webgpu', available: true, benchmarked: false, detail: 'by name only' },
      { name: 'node', available: false, benchmarked: false, detail: 'libtensorflow missing' },
    ],
    measurements,
  };
}

describe('bench report', () => {
  const current = run([measurement('reference', 'W3', 500, 0.52), measurement('wasm', 'W3', 2000, 0.52), measurement('wasm', 'W1', 1000)]);

  it('prints a table with ratios to a baseline run', () => {
    const baseline = run([measurement('wasm', 'W1', 500)]);
    const table = textTable(current, baseline);
    expect(table).toMatch(/wasm\s+W1\s+1024×20 d384\s+1,000\s+1,024\.0\s+0\.50\s+—\s+0\s+2\.00×/);
    expect(markdownTable(current)).toContain('| wasm | W3 | 1024×20 d384 | 2,000 |');
  });

  it("gives every row its ratio to the original's same workload in the same run", () => {
    const withOriginal = run([measurement('original', 'W1', 400), measurement('original', 'W3', 1000), measurement('wasm', 'W1', 1000), measurement('wasm', 'W2', 300)]);
    const table = textTable(withOriginal);
    expect(table.split('\n')[0]).toMatch(/tensor growth\s+vs original$/);
    // 1,000 ÷ 400 and 400 ÷ 400; W2 has no original row to compare with.
    expect(table).toMatch(/wasm\s+W1\s+1024×20 d384\s+1,000\s+1,024\.0\s+0\.50\s+—\s+0\s+2\.50×/);
    expect(table).toMatch(/original\s+W1\s+.*\s1\.00×/);
    expect(table).toMatch(/wasm\s+W2\s+.*\s0\s+—$/m);
    expect(textTable(current).split('\n')[0]).not.toContain('vs original');
  });

  it('draws one bar per backend and workload', () => {
    const svg = svgChart(current);
    expect(svg.match(/<title>/g)).toHaveLength(3);
    expect(svg).toContain('<title>wasm W1: 1000 sessions/s</title>');
  });

  it('the quick check fails when a backend is silent or disagrees with the reference', () => {
    expect(checkQuickRun(current)).toEqual([]);
    expect(checkQuickRun(run([measurement('reference', 'W3', 500, 0.52), measurement('wasm', 'W3', 2000, 0.6)]))).toEqual([
      "wasm W3 mean loss 0.6 differs from the reference's 0.52",
    ]);
    expect(checkQuickRun(run([measurement('reference', 'W3', 500, 0.52)]))).toEqual(['wasm produced no numbers']);
  });
});
