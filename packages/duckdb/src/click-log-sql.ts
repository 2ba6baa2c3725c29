import { InvalidOptionError } from '@clicktune/core';

/**
 * Where each field of a click log is, by column name. Two shapes are read:
 * - sessions: one row per search, with the shown results and the clicked
 *   ones as lists (`query`, `results`, `events`) — ClickTune's JSONL;
 * - impressions: one row per shown result (`query`, `item`, `position`,
 *   `clicked`, optionally `session`) — what warehouses usually keep.
 */
export interface ClickLogColumns {
  readonly query: string;
  readonly results: string;
  readonly events: string;
  readonly item: string;
  readonly position: string;
  readonly clicked: string;
  readonly session: string;
}

export const DEFAULT_COLUMNS: ClickLogColumns = {
  query: 'query',
  results: 'results',
  events: 'events',
  item: 'item',
  position: 'position',
  clicked: 'clicked',
  session: 'session',
};

export type ClickLogShape = 'sessions' | 'impressions';

export interface ClickCountsQueryOptions {
  readonly shape: ClickLogShape;
  readonly columns: ClickLogColumns;
  /** Positions counted: 0 … maxPositions − 1 (as the in-process counts). */
  readonly maxPositions: number;
  /** Impressions shape: the position number of the top result in the log (0 or 1). */
  readonly firstPosition: 0 | 1;
  /** Impressions shape: whether a session column is mapped (sessions per query are then distinct sessions, else top-position impressions). */
  readonly hasSession: boolean;
}

/** A column name as an SQL identifier (double quotes, inner quotes doubled): a column name is never SQL. */
export function identifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new InvalidOptionError(`not a column name: ${JSON.stringify(name)}`, { location: { field: 'map' } });
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The aggregation, as SQL over a table named `click_log`: one row per
 * (query, item, position) with its impressions and clicks. The impressions
 * form is plain SQL (GROUP BY, CASE, CAST) that Spark SQL, BigQuery and Trino
 * run unchanged over their own `click_log`; the sessions form unnests two
 * lists side by side, which each engine spells its own way (see the README).
 */
export function clickCountsSql(options: ClickCountsQueryOptions): string {
  const column = (name: keyof ClickLogColumns) => identifier(options.columns[name]);
  if (options.shape === 'impressions') {
    const position = `CAST(${column('position')} AS BIGINT) - ${options.firstPosition}`;
    return [
      `SELECT CAST(${column('query')} AS VARCHAR) AS query, CAST(${column('item')} AS VARCHAR) AS item, ${position} AS position,`,
      `       COUNT(*) AS impressions, SUM(CASE WHEN CAST(${column('clicked')} AS BOOLEAN) THEN 1 ELSE 0 END) AS clicks`,
      'FROM click_log',
      `WHERE ${position} < ${options.maxPositions}`,
      'GROUP BY 1, 2, 3',
    ].join('\n');
  }
  return [
    'WITH shown AS (',
    `  SELECT CAST(${column('query')} AS VARCHAR) AS query, UNNEST(${column('results')}) AS item, UNNEST(range(length(${column('results')}))) AS position, ${column('events')} AS events`,
    '  FROM click_log',
    ')',
    'SELECT query, CAST(item AS VARCHAR) AS item, position, COUNT(*) AS impressions, SUM(CASE WHEN list_contains(events, item) THEN 1 ELSE 0 END) AS clicks',
    'FROM shown',
    `WHERE position < ${options.maxPositions}`,
    'GROUP BY 1, 2, 3',
  ].join('\n');
}

/** Sessions per query, over `click_log`. */
export function sessionsPerQuerySql(options: ClickCountsQueryOptions): string {
  const column = (name: keyof ClickLogColumns) => identifier(options.columns[name]);
  if (options.shape === 'sessions') return `SELECT CAST(${column('query')} AS VARCHAR) AS query, COUNT(*) AS sessions FROM click_log GROUP BY 1`;
  if (options.hasSession) return `SELECT CAST(${column('query')} AS VARCHAR) AS query, COUNT(DISTINCT ${column('session')}) AS sessions FROM click_log GROUP BY 1`;
  return `SELECT CAST(${column('query')} AS VARCHAR) AS query, COUNT(*) AS sessions FROM click_log WHERE CAST(${column('position')} AS BIGINT) = ${options.firstPosition} GROUP BY 1`;
}
