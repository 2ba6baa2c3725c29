import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuningInput, writeSessions } from '@clicktune/core';
import { readClickLog } from '@clicktune/duckdb';
import { afterAll, describe, expect, it } from 'vitest';
import { exportImpressionsParquet, WAREHOUSE_COLUMNS } from './recipe';
import { EMOJI_DIMENSION, EMOJI_ITEMS, recipeTask } from './recipe-task';

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

describe('the recipe workload’s task', () => {
  it('pads the sample with zeros and grows it with seeded distractors', async () => {
    const sample = await recipeTask();
    const grown = await recipeTask({ items: 1_700, dimension: 120 });
    expect(sample.items.size).toBe(EMOJI_ITEMS);
    expect(sample.items.dimension).toBe(EMOJI_DIMENSION);
    expect(grown.items.size).toBe(1_700);
    expect(grown.items.dimension).toBe(120);
    // The sample's rows: its values, then zeros (every cosine unchanged).
    const row = grown.items.embeddingOf(sample.items.ids[5] as string);
    expect(Array.from(row.subarray(0, 100))).toEqual(Array.from(sample.items.embeddingOf(sample.items.ids[5] as string)));
    expect(row.subarray(100).every((value) => value === 0)).toBe(true);
    expect(grown.queries.dimension).toBe(120);
    // Distractors: new ids, non-zero padding, the same in every process (seeded).
    expect(grown.items.ids[1_662]).toBe('distractor-0');
    expect(
      grown.items
        .embeddingOf('distractor-37')
        .subarray(100)
        .some((value) => value !== 0),
    ).toBe(true);
    expect(Array.from((await recipeTask({ items: 1_700, dimension: 120 })).items.embeddingOf('distractor-37'))).toEqual(Array.from(grown.items.embeddingOf('distractor-37')));
  });
});
