import { ClickCounts } from '@clicktune/confidence';
import { ClickTuneError, EmptyInputError, FileAccessError, InvalidOptionError, InvalidSessionError, parseJsonLine, readTextLines } from '@clicktune/core';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type ClickCountsQueryOptions, type ClickLogColumns, type ClickLogShape, clickCountsSql, DEFAULT_COLUMNS, identifier, sessionsPerQuerySql } from './click-log-sql';

export type ClickLogFormat = 'parquet' | 'csv' | 'json';

export interface ReadClickLogOptions {
  /** Column names where the log does not use ClickTune's (e.g. `{ query: 'search_term', item: 'product_id' }`). */
  readonly columns?: Partial<ClickLogColumns>;
  /** By default from the file name: .parquet, .csv/.tsv, .jsonl/.ndjson/.json. */
  readonly format?: ClickLogFormat;
  /** Impressions shape: the position number of the top result (0, or 1 for ranks). Default 0. */
  readonly firstPosition?: 0 | 1;
  /** Positions counted (default 10, as the recipe's click model). */
  readonly maxPositions?: number;
  /** DuckDB threads (default: DuckDB's own, one per core). */
  readonly threads?: number;
}

export interface ClickLog {
  readonly counts: ClickCounts;
  readonly shape: ClickLogShape;
  /** Rows of the source read (sessions, or impressions). */
  readonly rows: number;
  /** The aggregation that ran, over `click_log` (for another engine). */
  readonly sql: string;
}

/** The format a file name says. */
export function formatOf(source: string): ClickLogFormat {
  if (/\.parquet$/i.test(source)) return 'parquet';
  if (/\.(csv|tsv)(\.gz)?$/i.test(source)) return 'csv';
  if (/\.(jsonl|ndjson|json)(\.gz)?$/i.test(source)) return 'json';
  throw new InvalidOptionError(`cannot tell the format of ${JSON.stringify(source)} from its name (.parquet, .csv, .tsv, .jsonl, .ndjson, .json); give it`, {
    location: { field: 'format' },
  });
}

/** Whether a source names files by pattern (`logs/*.parquet`) rather than one file. */
export function isGlob(source: string): boolean {
  return /[*?[]/.test(source);
}

function describe(sources: readonly string[]): string {
  return sources.length === 1 ? (sources[0] as string) : `${sources[0]} and ${sources.length - 1} more`;
}

/**
 * Reads a click log with DuckDB and aggregates it into `ClickCounts` with one
 * GROUP BY (`clickCountsSql`): Parquet, CSV or JSONL files, one or many, or a
 * glob. The log is either sessions (`query`, `results`, `events` lists) or
 * impressions (`query`, `item`, `position`, `clicked`, optionally `session`),
 * told apart by its columns. Memory is DuckDB's hash table of distinct
 * (query, item, position) triples, whatever the number of rows. Queries are
 * ids (strings or numbers); rows come back ordered by query, item and
 * position, so the counts do not depend on the files' order.
 */
export async function readClickLog(source: string | readonly string[], options: ReadClickLogOptions = {}): Promise<ClickLog> {
  const sources = typeof source === 'string' ? [source] : [...source];
  if (sources.length === 0) throw new InvalidOptionError('no click log file given', { location: { field: 'sessions' } });
  const format = options.format ?? formatOf(sources[0] as string);
  const columns: ClickLogColumns = { ...DEFAULT_COLUMNS, ...options.columns };
  const maxPositions = options.maxPositions ?? 10;
  if (!Number.isInteger(maxPositions) || maxPositions < 1) throw new InvalidOptionError(`maxPositions must be a positive integer, got ${maxPositions}`);
  const firstPosition = options.firstPosition ?? 0;
  const location = { file: describe(sources) };
  const instance = await DuckDBInstance.create(':memory:', options.threads ? { threads: String(options.threads) } : {});
  const connection = await instance.connect();
  try {
    const { shape, names } = await shapeOf(connection, sources, format, columns);
    const hasSession = shape === 'impressions' && names.includes(columns.session);
    const source = sourceSql(sources, format, shape, columns, hasSession);
    const query: ClickCountsQueryOptions = { shape, columns, maxPositions, firstPosition, hasSession };
    const withLog = (sql: string) => (sql.startsWith('WITH ') ? `WITH click_log AS (${source}), ${sql.slice(5)}` : `WITH click_log AS (${source}) ${sql}`);
    const run = async (sql: string) => {
      try {
        return (await connection.runAndReadAll(withLog(sql), sources)).getRowsJS();
      } catch (error) {
        throw asClickTuneError(error, location);
      }
    };
    const [rowCount] = (await run('SELECT COUNT(*) FROM click_log'))[0] as [bigint];
    if (Number(rowCount) === 0) throw new EmptyInputError('the click log has no rows', { location });
    await checkRows(run, query, location);
    const sql = clickCountsSql(query);
    const cells = await run(`${sql}\nORDER BY 1, 2, 3`);
    const perQuery = await run(`${sessionsPerQuerySql(query)}\nORDER BY 1`);
    const counts = new ClickCounts(maxPositions);
    for (const [key, sessions] of perQuery as Array<[string, bigint]>) counts.addSessions({ kind: 'id', id: key }, Number(sessions));
    for (const [key, item, position, impressions, clicks] of cells as Array<[string, string, bigint, bigint, bigint]>)
      counts.addCounts({ kind: 'id', id: key }, item, Number(position), Number(impressions), Number(clicks));
    return { counts, shape, rows: Number(rowCount), sql };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** What a user mistake in the log looks like: nothing the SQL engine should report as a crash. */
async function checkRows(run: (sql: string) => Promise<unknown[][]>, query: ClickCountsQueryOptions, location: { file: string }): Promise<void> {
  const column = (name: keyof ClickLogColumns) => identifier(query.columns[name]);
  const checks: Array<[string, string]> =
    query.shape === 'sessions'
      ? [
          [`${column('query')} IS NULL`, `have no ${query.columns.query}`],
          [`${column('results')} IS NULL OR length(${column('results')}) = 0`, `have no ${query.columns.results}`],
          [`list_has_any(${column('results')}, [NULL])`, `have a null id in ${query.columns.results}`],
          [
            `len(list_filter(coalesce(${column('events')}, []), x -> NOT list_contains(${column('results')}, x))) > 0`,
            `have ${query.columns.events} that are not among their ${query.columns.results}`,
          ],
          [`starts_with(CAST(${column('query')} AS VARCHAR), '{')`, `have a query object, not an id (the SQL engine reads query ids; read such logs with the JSONL reader)`],
        ]
      : [
          [`${column('query')} IS NULL OR ${column('item')} IS NULL`, `have no ${query.columns.query} or ${query.columns.item}`],
          [
            `TRY_CAST(${column('position')} AS BIGINT) IS NULL OR CAST(${column('position')} AS BIGINT) < ${query.firstPosition}`,
            `have a ${query.columns.position} that is not a whole number ≥ ${query.firstPosition}`,
          ],
          [`TRY_CAST(${column('clicked')} AS BOOLEAN) IS NULL`, `have a ${query.columns.clicked} that is not true/false or 1/0`],
        ];
  for (const [condition, problem] of checks) {
    const [count] = (await run(`SELECT COUNT(*) FROM click_log WHERE ${condition}`))[0] as [bigint];
    if (Number(count) > 0) throw new InvalidSessionError(`${count} ${query.shape === 'sessions' ? 'sessions' : 'rows'} ${problem}`, { location });
  }
}

/** Sessions or impressions: by the columns the log has (after the mapping). */
async function shapeOf(
  connection: DuckDBConnection,
  sources: readonly string[],
  format: ClickLogFormat,
  columns: ClickLogColumns,
): Promise<{ shape: ClickLogShape; names: string[] }> {
  const names = format === 'json' ? await jsonKeys(connection, sources) : await describedColumns(connection, sources, sourceSql(sources, format, 'sessions', columns, false));
  const has = (name: string) => names.includes(name);
  if (has(columns.results) && has(columns.query)) return { shape: 'sessions', names };
  if (has(columns.query) && has(columns.item) && has(columns.position) && has(columns.clicked)) return { shape: 'impressions', names };
  throw new InvalidSessionError(
    `the log's columns (${names.join(', ')}) are neither sessions (${columns.query}, ${columns.results}, ${columns.events}) nor impressions (${columns.query}, ${columns.item}, ${columns.position}, ${columns.clicked}); map yours with --map, e.g. --map query=search_term,item=product_id`,
    { location: { file: describe(sources) } },
  );
}

/** The keys of a JSONL log's first record (its schema is not inferred: session records carry large `ranks` objects). */
async function jsonKeys(connection: DuckDBConnection, sources: readonly string[]): Promise<string[]> {
  let file = sources[0] as string;
  if (isGlob(file)) {
    const rows = (await connection.runAndReadAll('SELECT file FROM glob($1) ORDER BY file LIMIT 1', [file])).getRowsJS();
    if (rows.length === 0) throw new FileAccessError('no such file (the pattern matches none)', { location: { file } });
    file = rows[0]?.[0] as string;
  }
  for await (const { line, text } of readTextLines(file)) {
    const record = parseJsonLine(text, line, file);
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InvalidSessionError('a record is not a JSON object', { location: { file, line } });
    return Object.keys(record);
  }
  throw new EmptyInputError('the click log has no rows', { location: { file } });
}

/** The query that reads the sources with DuckDB's table function (files bound as $1 … $n). */
function sourceSql(sources: readonly string[], format: ClickLogFormat, shape: ClickLogShape, columns: ClickLogColumns, hasSession: boolean): string {
  const list = `[${sources.map((_, index) => `$${index + 1}`).join(', ')}]`;
  if (format === 'parquet') return `SELECT * FROM read_parquet(${list})`;
  if (format === 'csv') return `SELECT * FROM read_csv(${list}, header = true)`;
  // Only the mapped fields are parsed, with their types.
  const types: Record<string, string> =
    shape === 'sessions'
      ? { [columns.query]: 'VARCHAR', [columns.results]: 'VARCHAR[]', [columns.events]: 'VARCHAR[]' }
      : {
          [columns.query]: 'VARCHAR',
          [columns.item]: 'VARCHAR',
          [columns.position]: 'VARCHAR',
          [columns.clicked]: 'VARCHAR',
          ...(hasSession ? { [columns.session]: 'VARCHAR' } : {}),
        };
  const struct = Object.entries(types)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ');
  return `SELECT * FROM read_json(${list}, format = 'newline_delimited', columns = {${struct}})`;
}

async function describedColumns(connection: DuckDBConnection, sources: readonly string[], sql: string): Promise<string[]> {
  try {
    return (await connection.runAndReadAll(`DESCRIBE ${sql}`, [...sources])).getRowsJS().map((row) => String(row[0]));
  } catch (error) {
    throw asClickTuneError(error, { file: describe(sources) });
  }
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** DuckDB's errors about the files, as ClickTune's: a missing file is file access, anything else in the data is invalid input. */
function asClickTuneError(error: unknown, location: { file: string }): ClickTuneError {
  if (ClickTuneError.isInstance(error)) return error;
  const message = ((error as Error).message ?? String(error)).split('\n')[0] as string;
  if (/No files found|No such file|Cannot open file|IO Error/i.test(message)) return new FileAccessError(`cannot read it (${message})`, { location, cause: error });
  return new InvalidSessionError(`the SQL engine could not read it (${message})`, { location, cause: error });
}
