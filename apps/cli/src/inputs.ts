import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  catalogueCheck,
  ClickTuneError,
  DimensionMismatchError,
  EmptyInputError,
  InvalidSessionError,
  MissingItemsError,
  type FineTuningInput,
  queryOfKey,
  ItemsSet,
  readItemsBinary,
  readItemsJsonl,
  type ReadSessionsOptions,
  readRelevance,
  readSessions,
  readSessionsArray,
  readTextLines,
  type Relevance,
  type SessionWarning,
} from '@clicktune/core';
import { loadSample, SAMPLE_NAMES } from '@clicktune/datasets';
import { ClickCounts } from '@clicktune/learn';
import { LinearAdapter, loadAdapter } from '@clicktune/tensor';
import { usageError } from './exit-codes';
import type { Task } from './harness/experiment';

/** Where the catalogue, queries and judgements come from: the embedded sample or files. */
export interface DataFlags {
  sample?: string;
  items?: string;
  itemsMatrix?: string;
  itemsIds?: string;
  queries?: string;
  qrels?: string;
}

export interface LoadedData {
  items: ItemsSet;
  queries?: ItemsSet;
  relevance?: Relevance;
  description: string;
}

export async function loadData(flags: DataFlags, need: { queries?: boolean; relevance?: boolean } = {}): Promise<LoadedData> {
  if (flags.sample !== undefined) {
    const sample = await sampleOf(flags.sample);
    return {
      items: sample.items,
      queries: sample.queries,
      relevance: sample.relevance,
      description: `${sample.name} sample (${sample.items.size} items, ${sample.queries.size} queries)`,
    };
  }
  let items: ItemsSet;
  if (flags.items) items = await readItemsJsonl(flags.items);
  else if (flags.itemsMatrix && flags.itemsIds) items = await readItemsBinary(flags.itemsMatrix, flags.itemsIds);
  else throw usageError('give --items file.jsonl, or --items-matrix with --items-ids, or --sample emoji', '--items');
  const queries = flags.queries ? await readItemsJsonl(flags.queries, { what: 'query' }) : undefined;
  if (need.queries && !queries) throw usageError('give --queries file.jsonl (or --sample emoji)', '--queries');
  if (queries && queries.dimension > 0 && items.dimension > 0 && queries.dimension !== items.dimension) {
    const itemsFile = flags.items ?? flags.itemsMatrix;
    const hint = flags.itemsMatrix ? ` (the matrix's dimension comes from its size and the ${items.size} ids in ${flags.itemsIds}: is that count right?)` : '';
    throw new DimensionMismatchError(`queries have ${queries.dimension} values, the items in ${itemsFile} have ${items.dimension}${hint}`, { location: { file: flags.queries } });
  }
  const relevance = flags.qrels ? await readRelevance(flags.qrels) : undefined;
  if (need.relevance && !relevance) throw usageError('give --qrels file (TREC qrels or JSONL) or --sample emoji', '--qrels');
  if (relevance && flags.qrels) warnUnknownJudgements(flags.qrels, relevance, items, queries);
  return { items, queries, relevance, description: `${items.size} items${queries ? `, ${queries.size} queries` : ''}` };
}

/**
 * Judgements of items or queries the files do not have: said in a warning
 * with counts, not an error (qrels often cover more than a catalogue slice).
 */
function warnUnknownJudgements(file: string, relevance: Relevance, items: ItemsSet, queries: ItemsSet | undefined): void {
  let unknownQueries = 0;
  let unknownItems = 0;
  const examples: string[] = [];
  for (const [query, grades] of relevance) {
    if (queries && !queries.has(query)) {
      unknownQueries += 1;
      if (examples.length < 3) examples.push(`query ${JSON.stringify(query)}`);
      continue;
    }
    for (const item of grades.keys()) {
      if (items.has(item)) continue;
      unknownItems += 1;
      if (examples.length < 3) examples.push(`item ${JSON.stringify(item)}`);
    }
  }
  if (unknownQueries + unknownItems === 0) return;
  process.stderr.write(
    `clicktune: warning: ${file}: ${unknownQueries} judged queries and ${unknownItems} judged items are not in the given files (e.g. ${examples.join(', ')}): those queries are not evaluated; those items cannot be retrieved but stay in their query's ideal ranking, as in trec_eval\n`,
  );
}

async function sampleOf(name: string) {
  if (!(SAMPLE_NAMES as readonly string[]).includes(name))
    throw usageError(`unknown sample ${JSON.stringify(name)}: the embedded samples are ${SAMPLE_NAMES.join(', ')}`, '--sample');
  return loadSample(name as (typeof SAMPLE_NAMES)[number]);
}

/**
 * The tasks of the demo and the harness: the embedded samples named by
 * --sample (comma-separated), or one task from --items/--queries/--qrels
 * files, or `fallback` when neither is given.
 */
export async function loadTasks(flags: DataFlags, fallback: readonly string[]): Promise<Task[]> {
  const fromFiles = flags.items !== undefined || flags.itemsMatrix !== undefined || flags.queries !== undefined || flags.qrels !== undefined;
  if (fromFiles && flags.sample !== undefined) throw usageError('give either --sample or --items/--queries/--qrels files, not both', '--sample');
  if (fromFiles) {
    const data = await loadData(flags, { queries: true, relevance: true });
    const name = (flags.items ?? flags.itemsMatrix ?? 'files').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
    return [{ name, items: data.items, queries: data.queries as ItemsSet, relevance: data.relevance as Relevance }];
  }
  const names = flags.sample === undefined ? fallback : flags.sample.split(',').map((name) => name.trim());
  const tasks: Task[] = [];
  for (const name of names) {
    const sample = await sampleOf(name);
    tasks.push({ name: sample.name, items: sample.items, queries: sample.queries, relevance: sample.relevance });
  }
  return tasks;
}

function sessionOptions(data: Pick<LoadedData, 'items' | 'queries'>, options: { dropMissingEvents?: boolean }): ReadSessionsOptions {
  return {
    missingEvents: options.dropMissingEvents ? 'drop' : 'error',
    check: catalogueCheck(data.items, data.queries),
    onWarning: (warning: SessionWarning) => process.stderr.write(`clicktune: warning: ${warning.location.file}:${warning.location.line}: ${warning.message}\n`),
  };
}

// An empty file is a mistake, not a request to train on nothing.
function requireSessions(count: number, file: string): void {
  if (count === 0) throw new EmptyInputError('no sessions in the file', { location: { file: file === '-' ? 'stdin' : file } });
}

/** Sessions from a JSONL file or stdin (`-`); warnings (dropped events) go to stderr. */
export async function loadSessions(file: string, data: Pick<LoadedData, 'items' | 'queries'>, options: { dropMissingEvents?: boolean } = {}): Promise<FineTuningInput[]> {
  const sessions = await readSessionsArray(file, sessionOptions(data, options));
  requireSessions(sessions.length, file);
  return sessions;
}

/** How a click log is read: streamed in process (sessions JSONL), or aggregated by DuckDB (Parquet, CSV, JSONL, globs). */
export interface ClickLogReading {
  readonly engine: 'stream' | 'duckdb';
  readonly columns?: Readonly<Record<string, string>>;
  readonly firstPosition?: 0 | 1;
}

/**
 * The (query, item, position) counts of a click log: memory grows with the
 * distinct cells, not with the sessions. Streamed, every session is validated
 * as it is read; through DuckDB, the aggregated ids are checked against the
 * catalogue (and the queries) afterwards.
 */
export async function loadClickCounts(file: string, data: Pick<LoadedData, 'items' | 'queries'>, reading: ClickLogReading = { engine: 'stream' }): Promise<ClickCounts> {
  if (reading.engine === 'stream') {
    const counts = await ClickCounts.fromStream(readSessions(file, sessionOptions(data, {})));
    requireSessions(counts.sessions, file);
    return counts;
  }
  const { readClickLog } = await import('@clicktune/duckdb');
  const { counts, rows, shape } = await readClickLog(file, { columns: reading.columns, firstPosition: reading.firstPosition });
  // Every id at once, as the catalogue lists the ones it lacks.
  const located = (check: () => unknown) => {
    try {
      check();
    } catch (error) {
      throw ClickTuneError.isInstance(error) ? error.at({ file }) : error;
    }
  };
  located(() => data.items.rowsOf([...new Set(Array.from(counts.cells(), (cell) => cell.item))]));
  const ids = counts
    .queries()
    .map((key) => queryOfKey(key))
    .flatMap((query) => (query.kind === 'id' ? [query.id] : []));
  // The rule `catalogueCheck` applies to each streamed session, here to the log's queries at once.
  if (ids.length > 0 && !data.queries)
    throw new InvalidSessionError(`query ${JSON.stringify(ids[0])} is given by id, and there are no queries to look it up in`, { location: { file, field: 'query' } });
  const queries = data.queries;
  if (queries) located(() => queries.rowsOf(ids));
  process.stderr.write(`clicktune: DuckDB aggregated ${rows} ${shape === 'sessions' ? 'sessions' : 'impressions'} into ${counts.size} (query, item, position) cells\n`);
  return counts;
}

/**
 * The queries a command works on: those of `--query-ids` (each must be among
 * the queries; an unknown one is named with its line), else every judged
 * query the queries file has.
 */
export async function selectedQueryIds(file: string | undefined, data: LoadedData): Promise<string[]> {
  if (!file) return [...(data.relevance?.keys() ?? [])].filter((id) => data.queries?.has(id));
  const ids: string[] = [];
  for await (const { line, text } of readTextLines(file)) {
    const id = text.trim();
    if (!data.queries?.has(id)) throw new MissingItemsError([id], { location: { file, line }, what: 'query' });
    ids.push(id);
  }
  return ids;
}

/** The adapter named by `--adapter`, or the identity (the base embeddings). */
export async function servingModel(adapter: string | undefined, data: LoadedData): Promise<LinearAdapter> {
  return adapter ? loadAdapter(adapter, { queries: data.queries }) : new LinearAdapter({ inputDimension: data.items.dimension, queries: data.queries });
}

/** One id per line (e.g. the queries of a split). */
export async function readIdList(file: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const { text } of readTextLines(file)) ids.push(text.trim());
  return ids;
}

export function parseNumber(value: string, flag: string, check: (value: number) => boolean, expectation: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw usageError(`${flag} must be ${expectation}, got ${JSON.stringify(value)}`, flag);
  return parsed;
}

export const positiveInteger = (value: string, flag: string) => parseNumber(value, flag, (number) => Number.isSafeInteger(number) && number > 0, 'a whole number > 0');
export const positiveNumber = (value: string, flag: string) => parseNumber(value, flag, (number) => number > 0, 'a number > 0');

export { ItemsSet };

/** Fails before long work, not after it, when `file` cannot be written: its folder must exist and be writable, and it must not be a folder. */
export async function preflightOutput(file: string): Promise<void> {
  if (file === '-') return;
  const fail = (reason: string) => new ClickTuneError('io-error', reason, { location: { file } });
  const folder = dirname(resolve(file));
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw fail(`cannot write here: the folder ${folder} does not exist`);
  await access(folder, constants.W_OK).catch(() => {
    throw fail(`cannot write here: the folder ${folder} is not writable`);
  });
  if ((await stat(file).catch(() => null))?.isDirectory()) throw fail('cannot write here: it is a folder');
}

/**
 * Creates `folder` and any missing parents, one level at a time (Node's
 * recursive mkdir never returns under /proc), failing with a one-line error.
 */
export async function ensureFolder(folder: string): Promise<void> {
  const fail = (reason: string) => new ClickTuneError('io-error', `cannot create the folder: ${reason}`, { location: { file: folder } });
  const missing: string[] = [];
  let current = resolve(folder);
  for (;;) {
    const info = await stat(current).catch(() => null);
    if (info) {
      if (!info.isDirectory()) throw fail(`${current} is a file`);
      break;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      throw fail(`${level}: ${error.code ?? error.message}`);
    });
  }
}
