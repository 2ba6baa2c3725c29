import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickCounts, estimatePropensitiesEm } from '@clicktune/confidence';
import { FineTuningInput, readSessions, SeededRandom, writeSessions } from '@clicktune/core';
import { DuckDBInstance } from '@duckdb/node-api';
import { clickTuneFailure } from '@clicktune/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickCountsSql } from './click-log-sql';
import { readClickLog } from './read-click-log';

/** 400 sessions over 15 queries whose lists vary in order and length (up to 12 results, so positions ≥ 10 exist). */
function log(seed: number): FineTuningInput[] {
  const random = SeededRandom.fromSeed(seed);
  return Array.from({ length: 400 }, (_, index) => {
    const query = `q${random.nextInt(15)}`;
    const results = random.shuffle(Array.from({ length: 14 }, (_, item) => `d${item}`)).slice(0, 3 + random.nextInt(10));
    const events = results.filter(() => random.nextFloat() < 0.2);
    return FineTuningInput.create({ query, results, events, sessionId: `s${index}` });
  });
}

function sortedCells(counts: ClickCounts) {
  return [...counts.cells()].sort((a, b) => (a.query + a.item + a.position < b.query + b.item + b.position ? -1 : 1));
}

function perQuery(counts: ClickCounts) {
  return Object.fromEntries(counts.queries().map((key) => [key, counts.sessionsOf(key)]));
}

describe('click logs aggregated by DuckDB', () => {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-duckdb-'));
  const sessions = [...log(1), ...log(2)];
  let inProcess: ClickCounts;

  beforeAll(async () => {
    await writeSessions(join(folder, 'part-1.jsonl'), sessions.slice(0, 400));
    await writeSessions(join(folder, 'part-2.jsonl'), sessions.slice(400));
    inProcess = await ClickCounts.fromStream(
      (async function* () {
        yield* readSessions(join(folder, 'part-1.jsonl'));
        yield* readSessions(join(folder, 'part-2.jsonl'));
      })(),
    );
    // The same log as a warehouse keeps it: one row per impression, 1-based ranks, its own column names, as CSV and as Parquet.
    const rows = ['search_term,product_id,rank,was_clicked,visit'];
    sessions.forEach((session, index) => {
      session.results.forEach((item, position) =>
        rows.push(`${session.query.kind === 'id' ? session.query.id : ''},${item},${position + 1},${session.isEvent(item) ? 1 : 0},v${index}`),
      );
    });
    writeFileSync(join(folder, 'impressions.csv'), `${rows.join('\n')}\n`);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${join(folder, 'impressions.csv')}', header = true)) TO '${join(folder, 'impressions.parquet')}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('gives the counts of the in-process reader, from a glob of JSONL sessions files', async () => {
    const read = await readClickLog(join(folder, 'part-*.jsonl'));
    expect(read.shape).toBe('sessions');
    expect(read.rows).toBe(800);
    expect(sortedCells(read.counts)).toEqual(sortedCells(inProcess));
    expect(perQuery(read.counts)).toEqual(perQuery(inProcess));
    expect(read.counts.sessions).toBe(800);
    // Only the top 10 positions are counted, as in process.
    expect(Math.max(...[...read.counts.cells()].map((cell) => cell.position))).toBe(9);
    // And the click model estimates the same from either (the EM's sums run in another order: 1e-12).
    const fromSql = estimatePropensitiesEm(read.counts, { positions: 10 });
    const fromStream = estimatePropensitiesEm(inProcess, { positions: 10 });
    Array.from(fromStream.propensities).forEach((theta, position) => expect(Math.abs((fromSql.propensities[position] as number) - theta)).toBeLessThan(1e-12));
  });

  it('reads impressions (CSV and Parquet) with mapped column names and 1-based ranks into the same counts', async () => {
    const columns = { query: 'search_term', item: 'product_id', position: 'rank', clicked: 'was_clicked', session: 'visit' };
    for (const file of ['impressions.csv', 'impressions.parquet']) {
      const read = await readClickLog(join(folder, file), { columns, firstPosition: 1 });
      expect(read.shape).toBe('impressions');
      expect(sortedCells(read.counts)).toEqual(sortedCells(inProcess));
      expect(perQuery(read.counts)).toEqual(perQuery(inProcess));
    }
  });

  it('is one plain GROUP BY over click_log for impressions, as another engine would run it', () => {
    const sql = clickCountsSql({
      shape: 'impressions',
      columns: { query: 'search_term', item: 'product_id', position: 'rank', clicked: 'was_clicked', session: 'visit', results: 'results', events: 'events' },
      maxPositions: 10,
      firstPosition: 1,
      hasSession: true,
    });
    expect(sql).toBe(
      [
        'SELECT CAST("search_term" AS VARCHAR) AS query, CAST("product_id" AS VARCHAR) AS item, CAST("rank" AS BIGINT) - 1 AS position,',
        '       COUNT(*) AS impressions, SUM(CASE WHEN CAST("was_clicked" AS BOOLEAN) THEN 1 ELSE 0 END) AS clicks',
        'FROM click_log',
        'WHERE CAST("rank" AS BIGINT) - 1 < 10',
        'GROUP BY 1, 2, 3',
      ].join('\n'),
    );
  });

  it('says what is wrong with a log, naming the file: missing, unmapped, bad rows, empty', async () => {
    const missing = await clickTuneFailure(readClickLog(join(folder, 'absent-*.parquet')));
    expect(missing.code).toBe('io-error');
    const unmapped = await clickTuneFailure(readClickLog(join(folder, 'impressions.csv')));
    expect(unmapped.message).toMatch(/impressions\.csv: the log's columns \(search_term, product_id, rank, was_clicked, visit\) are neither sessions .* map yours with --map/);
    writeFileSync(join(folder, 'bad.csv'), 'query,item,position,clicked\nq1,d1,0,1\nq1,d2,-1,0\nq1,d3,x,0\n');
    const bad = await clickTuneFailure(readClickLog(join(folder, 'bad.csv')));
    expect(bad.message).toMatch(/bad\.csv: 2 rows have a position that is not a whole number ≥ 0/);
    writeFileSync(join(folder, 'clicks.csv'), 'query,item,position,clicked\nq1,d1,0,maybe\n');
    expect((await clickTuneFailure(readClickLog(join(folder, 'clicks.csv')))).message).toMatch(/1 rows have a clicked that is not true\/false or 1\/0/);
    writeFileSync(join(folder, 'events.jsonl'), '{"query":"q1","results":["a","b"],"events":["c"]}\n');
    expect((await clickTuneFailure(readClickLog(join(folder, 'events.jsonl')))).message).toMatch(/events\.jsonl: 1 sessions have events that are not among their results/);
    writeFileSync(join(folder, 'empty.csv'), 'query,item,position,clicked\n');
    expect((await clickTuneFailure(readClickLog(join(folder, 'empty.csv')))).code).toBe('empty-input');
    // A column name is an identifier, never SQL.
    const hostile = await clickTuneFailure(readClickLog(join(folder, 'impressions.csv'), { columns: { query: 'x") FROM click_log; DROP TABLE t; --' } }));
    expect(hostile.message).toMatch(/are neither sessions/);
  });
});
