import { ClickTuneError, DimensionMismatchError, EmptyInputError, InvalidItemError, InvalidRelevanceError } from './errors';
import { readBinaryFile, readJsonl, readJsonlEntries, readTextLines, writeJsonl } from './files';
import { normalizeId } from './ids';
import { type ItemRecordInit, ItemsSet, parseItemRecord } from './items';
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
  const onWarning = options.onWarning
    ? (warning: SessionWarning) => options.onWarning?.({ ...warning, location: { file, line: currentLine, ...warning.location } })
    : undefined;
  for await (const entry of readJsonlEntries(file)) {
    currentLine = entry.line;
    try {
      if ('error' in entry) throw entry.error;
      yield FineTuningInput.create(entry.value as Record<string, unknown>, { ...options, onWarning });
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
    throw locate(error, file, 0);
  }
}

/**
 * Reads a large catalogue from a little-endian float32 matrix file and a text
 * file of ids (one per line, in row order). The dimension is derived from the
 * sizes unless given, and checked.
 */
export async function readItemsBinary(matrixFile: string, idsFile: string, options: { dimension?: number; what?: string } = {}): Promise<ItemsSet> {
  const ids: string[] = [];
  for await (const { text } of readTextLines(idsFile)) ids.push(text.trim());
  if (ids.length === 0) throw new EmptyInputError('no ids in the file', { location: { file: idsFile } });
  const bytes = await readBinaryFile(matrixFile);
  if (bytes.byteLength % 4 !== 0) {
    throw new InvalidItemError(`size ${bytes.byteLength} bytes is not a whole number of float32 values`, { location: { file: matrixFile } });
  }
  const valueCount = bytes.byteLength / 4;
  const dimension = options.dimension ?? valueCount / ids.length;
  if (!Number.isInteger(dimension) || valueCount !== dimension * ids.length) {
    throw new DimensionMismatchError(`${valueCount} values do not make ${ids.length} rows (one per id in ${idsFile})${options.dimension ? ` of dimension ${options.dimension}` : ''}`, {
      location: { file: matrixFile },
    });
  }
  const matrix = new Float32Array(valueCount);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let index = 0; index < valueCount; index += 1) matrix[index] = view.getFloat32(index * 4, true);
  try {
    return ItemsSet.fromEmbeddings(ids, matrix, dimension, { what: options.what });
  } catch (error) {
    throw locate(error, matrixFile, 0);
  }
}

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
    if (!Number.isFinite(grade)) throw new InvalidRelevanceError('grade must be a finite number', { location: { file, line, field: 'grade' } });
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
      add(query, item, grade.trim() === '' ? Number.NaN : Number(grade), line);
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
