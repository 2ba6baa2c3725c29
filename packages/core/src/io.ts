import { ClickTuneError, DimensionMismatchError, EmptyInputError, InvalidItemError, InvalidRelevanceError, InvalidSessionError, MissingItemsError } from './errors';
import { readBinaryFile, readJsonl, readJsonlEntries, readTextLines, writeJsonl } from './files';
import { normalizeId } from './ids';
import { allocateMatrix, type ItemRecordInit, ItemsSet, MAX_DIMENSION, parseItemRecord } from './items';
import { FineTuningInput, type SessionValidationOptions, type SessionWarning } from './session';

/** A session that was skipped when reading (with `onInvalid: 'skip'`). */
export interface SkippedRecord {
  readonly line: number;
  readonly error: ClickTuneError;
}

export interface ReadSessionsOptions extends SessionValidationOptions {
  /** `error` (default) stops at the first bad line; `skip` reports it and goes on. */
  onInvalid?: 'error' | 'skip';
  onSkipped?: (skipped: SkippedRecord) => void;
  /** Further checks of each session (e.g. against the catalogue); what they throw is placed at the session's file and line. */
  check?: (session: FineTuningInput) => void;
}

function locate(error: unknown, file: string, line: number): unknown {
  return ClickTuneError.isInstance(error) ? error.at({ file, line }) : error;
}

/**
 * Streams sessions from a JSONL file (or stdin for `-`), one
 * `FineTuningInput` per line, camelCase or EmbeddingStudio snake_case.
 * Every error names the file, the line and the field.
 */
export async function* readSessions(file: string, options: ReadSessionsOptions = {}): AsyncGenerator<FineTuningInput> {
  let currentLine = 0;
  const onWarning = options.onWarning ? (warning: SessionWarning) => options.onWarning?.({ ...warning, location: { file, line: currentLine, ...warning.location } }) : undefined;
  for await (const entry of readJsonlEntries(file)) {
    currentLine = entry.line;
    try {
      if ('error' in entry) throw entry.error;
      const session = FineTuningInput.create(entry.value as Record<string, unknown>, { ...options, onWarning });
      options.check?.(session);
      yield session;
    } catch (error) {
      const located = locate(error, file, currentLine);
      if (options.onInvalid === 'skip' && ClickTuneError.isInstance(located)) {
        options.onSkipped?.({ line: currentLine, error: located });
        continue;
      }
      throw located;
    }
  }
}

/** Reads every session of a file into an array (see `readSessions`). */
export async function readSessionsArray(file: string, options: ReadSessionsOptions = {}): Promise<FineTuningInput[]> {
  const sessions: FineTuningInput[] = [];
  for await (const session of readSessions(file, options)) sessions.push(session);
  return sessions;
}

/** Writes sessions as JSONL (camelCase), atomically. */
export function writeSessions(file: string, sessions: Iterable<FineTuningInput> | AsyncIterable<FineTuningInput>): Promise<number> {
  return writeJsonl(file, sessions);
}

/**
 * Reads items (or queries) from JSONL: `{ "id": …, "embedding": [...] }` or
 * `{ "id": …, "text": … }` per line. Errors name file, line and field.
 */
export async function readItemsJsonl(file: string, options: { what?: string } = {}): Promise<ItemsSet> {
  const what = options.what ?? 'item';
  const records: ItemRecordInit[] = [];
  const lineOf: number[] = [];
  const seen = new Map<string, number>();
  let dimension = -1;
  for await (const { line, value } of readJsonl(file)) {
    let record: ItemRecordInit;
    try {
      record = parseItemRecord(value);
    } catch (error) {
      throw locate(error, file, line);
    }
    const id = normalizeId(record.id, 'id');
    const earlier = seen.get(id);
    if (earlier !== undefined) {
      throw new InvalidItemError(`duplicate ${what} id ${JSON.stringify(id)} (first on line ${earlier})`, { location: { file, line, field: 'id' } });
    }
    seen.set(id, line);
    const hasEmbedding = record.embedding !== undefined;
    if (records.length > 0 && hasEmbedding !== (records[0]?.embedding !== undefined)) {
      throw new InvalidItemError(
        hasEmbedding ? `has an embedding while the ${what} on line ${lineOf[0]} has none` : `has no embedding while the ${what} on line ${lineOf[0]} has one`,
        {
          location: { file, line, field: 'embedding' },
        },
      );
    }
    if (record.embedding) {
      if (dimension === -1) dimension = record.embedding.length;
      else if (record.embedding.length !== dimension) {
        throw new DimensionMismatchError(`has length ${record.embedding.length}, earlier ${what}s have ${dimension}`, {
          location: { file, line, field: 'embedding' },
        });
      }
    }
    records.push(record);
    lineOf.push(line);
  }
  if (records.length === 0) throw new EmptyInputError(`no ${what}s in the file`, { location: { file } });
  try {
    return ItemsSet.fromRecords(records, { what });
  } catch (error) {
    // Every per-line defect is caught above; what is left concerns the file as a whole.
    throw ClickTuneError.isInstance(error) ? error.at({ file }) : error;
  }
}

/**
 * Reads a large catalogue from a little-endian float32 matrix file and a text
 * file of ids (one per line, in row order). The dimension is derived from the
 * sizes unless given, and checked.
 */
export async function readItemsBinary(matrixFile: string, idsFile: string, options: { dimension?: number; what?: string } = {}): Promise<ItemsSet> {
  const ids: string[] = [];
  const seen = new Map<string, number>();
  for await (const { line, text } of readTextLines(idsFile)) {
    const id = text.trim();
    const earlier = seen.get(id);
    if (earlier !== undefined)
      throw new InvalidItemError(`duplicate ${options.what ?? 'item'} id ${JSON.stringify(id)} (first on line ${earlier})`, { location: { file: idsFile, line, field: 'id' } });
    seen.set(id, line);
    ids.push(id);
  }
  if (ids.length === 0) throw new EmptyInputError('no ids in the file', { location: { file: idsFile } });
  const bytes = await readBinaryFile(matrixFile);
  if (bytes.byteLength % 4 !== 0) {
    throw new InvalidItemError(`size ${bytes.byteLength} bytes is not a whole number of float32 values`, { location: { file: matrixFile } });
  }
  const valueCount = bytes.byteLength / 4;
  const dimension = options.dimension ?? valueCount / ids.length;
  if (!Number.isInteger(dimension) || valueCount !== dimension * ids.length) {
    throw new DimensionMismatchError(
      `${valueCount} values do not make ${ids.length} rows (one per id in ${idsFile})${options.dimension ? ` of dimension ${options.dimension}` : ''}`,
      {
        location: { file: matrixFile },
      },
    );
  }
  const matrix = allocateMatrix(valueCount);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let index = 0; index < valueCount; index += 1) matrix[index] = view.getFloat32(index * 4, true);
  if (dimension > MAX_DIMENSION)
    throw new DimensionMismatchError(`rows of ${dimension} values; ClickTune takes embeddings of at most ${MAX_DIMENSION}`, { location: { file: matrixFile } });
  try {
    return ItemsSet.fromEmbeddings(ids, matrix, dimension, { what: options.what });
  } catch (error) {
    throw ClickTuneError.isInstance(error) ? error.at({ file: matrixFile }) : error;
  }
}

/** The largest relevance grade accepted (TREC grades are 0–4). */
export const MAX_GRADE = 100;

/** Relevance judgements: query id → (item id → grade). */
export type Relevance = Map<string, Map<string, number>>;

/**
 * Reads relevance judgements in the TREC qrels format (`query 0 item grade`,
 * whitespace-separated) or as JSONL `{ "query", "item", "grade" }` (chosen by
 * the `.jsonl`/`.json` extension). A pair judged twice is an error.
 */
export async function readRelevance(file: string): Promise<Relevance> {
  const relevance: Relevance = new Map();
  const add = (query: string, item: string, grade: number, line: number) => {
    // Gains grow as 2^grade − 1: past 100 they stop being numbers a metric can add.
    if (!Number.isFinite(grade) || grade < 0 || grade > MAX_GRADE)
      throw new InvalidRelevanceError(`grade must be a number from 0 to ${MAX_GRADE}`, { location: { file, line, field: 'grade' } });
    let grades = relevance.get(query);
    if (!grades) {
      grades = new Map();
      relevance.set(query, grades);
    }
    if (grades.has(item)) {
      throw new InvalidRelevanceError(`query ${JSON.stringify(query)} judges item ${JSON.stringify(item)} twice`, { location: { file, line } });
    }
    grades.set(item, grade);
  };
  if (/\.jsonl?$/i.test(file)) {
    for await (const { line, value } of readJsonl(file)) {
      const record = value as Record<string, unknown>;
      if (typeof record !== 'object' || record === null) throw new InvalidRelevanceError('expected an object', { location: { file, line } });
      const query = normalizeWithin(() => normalizeId(record.query, 'query'), file, line);
      const item = normalizeWithin(() => normalizeId(record.item, 'item'), file, line);
      add(query, item, typeof record.grade === 'number' ? record.grade : Number.NaN, line);
    }
  } else {
    for await (const { line, text } of readTextLines(file)) {
      const fields = text.trim().split(/\s+/);
      if (fields.length !== 4) {
        throw new InvalidRelevanceError(`expected 4 fields "query-id 0 item-id grade", got ${fields.length}`, { location: { file, line } });
      }
      const [query, , item, grade] = fields as [string, string, string, string];
      // Plain decimals only: Number() would also take "0x10", "1e308" and "Infinity".
      add(query, item, /^\d+(\.\d+)?$/.test(grade) ? Number(grade) : Number.NaN, line);
    }
  }
  if (relevance.size === 0) throw new EmptyInputError('no relevance judgements in the file', { location: { file } });
  return relevance;
}

function normalizeWithin<T>(read: () => T, file: string, line: number): T {
  try {
    return read();
  } catch (error) {
    if (ClickTuneError.isInstance(error)) throw new InvalidRelevanceError(error.reason, { location: { file, line, ...error.location } });
    throw error;
  }
}

/**
 * A `check` for readSessions: every result is in the catalogue and a query
 * given by id is among the queries, so an unknown id is reported at its
 * line, not later by the planner without one.
 */
export function catalogueCheck(items: ItemsSet, queries?: ItemsSet): (session: FineTuningInput) => void {
  return (session) => {
    const unknown = session.results.filter((id) => !items.has(id));
    if (unknown.length > 0) throw new MissingItemsError(unknown, { location: { field: 'results' } });
    if (session.query.kind !== 'id') return;
    if (!queries)
      throw new InvalidSessionError(`query ${JSON.stringify(session.query.id)} is given by id, and there are no queries to look it up in`, { location: { field: 'query' } });
    if (!queries.has(session.query.id)) throw new MissingItemsError([session.query.id], { location: { field: 'query' }, what: 'query' });
  };
}
