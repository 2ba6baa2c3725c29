import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuningInput, writeSessions } from '@clicktune/core';
import { readClickLog } from '@clicktune/duckdb';
import { afterAll, describe, expect, it } from 'vitest';
import { exportImpressionsParquet, WAREHOUSE_COLUMNS } from './recipe';

describe('the recipe workload’s Parquet export', () => {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-bench-export-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes one row per shown result, read back through the column mapping with the JSONL log’s counts', async () => {
    const sessions = [
      FineTuningInput.create({ query: 'q1', results: ['a', 'b', 'c'], events: ['b'] }),
      FineTuningInput.create({ query: 'q1', results: ['b', 'a'], events: ['b', 'a'] }),
      FineTuningInput.create({ query: 'q2', results: ['c'], events: [] }),
    ];
    const jsonl = join(folder, 'sessions.jsonl');
    const parquet = join(folder, 'impressions.parquet');
    await writeSessions(jsonl, sessions);
    await exportImpressionsParquet(jsonl, parquet);
    const exported = await readClickLog(parquet, { columns: WAREHOUSE_COLUMNS, firstPosition: 1 });
    expect(exported.shape).toBe('impressions');
    // Six shown results: 3 + 2 + 1.
    expect(exported.rows).toBe(6);
    const cell = (query: string, item: string, position: number) => {
      const found = [...exported.counts.cells()].find((entry) => entry.query === `id:${query}` && entry.item === item && entry.position === position);
      return found && { impressions: found.impressions, clicks: found.clicks };
    };
    // By hand: b was shown at 0-based position 1 (clicked) and 0 (clicked); a at 0 (not) and 1 (clicked); c at 2 and, for q2, at 0.
    expect(cell('q1', 'b', 1)).toEqual({ impressions: 1, clicks: 1 });
    expect(cell('q1', 'b', 0)).toEqual({ impressions: 1, clicks: 1 });
    expect(cell('q1', 'a', 0)).toEqual({ impressions: 1, clicks: 0 });
    expect(cell('q1', 'a', 1)).toEqual({ impressions: 1, clicks: 1 });
    expect(cell('q1', 'c', 2)).toEqual({ impressions: 1, clicks: 0 });
    expect(cell('q2', 'c', 0)).toEqual({ impressions: 1, clicks: 0 });
    expect(exported.counts.size).toBe(6);
    // Sessions per query are distinct visits.
    expect(exported.counts.sessionsOf('id:q1')).toBe(2);
    expect(exported.counts.sessionsOf('id:q2')).toBe(1);
  });
});
