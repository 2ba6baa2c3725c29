import { describe, expect, it } from 'vitest';
import { measureReferenceInference } from './measure';
import { measureOriginal, probeOriginal } from './original';
import { makeWorkload } from './workload';

const python = process.env.CLICKTUNE_ORIGINAL_PYTHON ?? 'python3';
const probe = await probeOriginal(python);
const tiny = makeWorkload({ sessions: 24, results: 6, clicks: 2, dimension: 8, batchSize: 8 });

describe('the original in PyTorch', () => {
  it('a Python without torch (or none) is reported with why, in one line', async () => {
    const missing = await probeOriginal('/nonexistent/python');
    expect(missing).toEqual({ available: false, detail: '/nonexistent/python: not found' });
  });

  it.skipIf(!probe.available)(`does the reference's W3 work: the same mean loss, one row per workload (${probe.detail})`, async () => {
    const rows = await measureOriginal(tiny, { python, threads: 1, iterations: 1 });
    expect(rows.map((row) => row.workload)).toEqual(['W3', 'W1', 'W2']);
    const reference = await measureReferenceInference(tiny, { name: 'reference', detail: '' }, { iterations: 1, warmupIterations: 0 });
    expect(rows[0]?.meanLoss).toBeCloseTo(reference.meanLoss ?? Number.NaN, 5);
    for (const row of rows) expect(row.sessionsPerSecond).toBeGreaterThan(0);
  });
});
