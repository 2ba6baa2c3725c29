import * as v from 'valibot';
import { DimensionMismatchError, EmptyInputError, InvalidItemError, MissingItemsError } from './errors';
import { normalizeId } from './ids';
import { embeddingSchema, idSchema, parseWith } from './schema';

/** One catalogue entry: a part of an object (or the whole object), with a base embedding or a text. */
export interface Item {
  readonly id: string;
  readonly embedding?: Float32Array;
  readonly text?: string;
}

export interface ItemRecordInit {
  id: string | number;
  embedding?: ArrayLike<number>;
  text?: string;
}

const itemRecordSchema = v.pipe(
  v.object({
    id: idSchema,
    embedding: v.optional(embeddingSchema),
    text: v.optional(v.string('must be a string')),
  }),
  v.check((record) => record.embedding !== undefined || record.text !== undefined, 'needs an "embedding" or a "text"'),
);

/** The longest embedding accepted: far above any embedding model's, far below what would exhaust memory on one line. */
export const MAX_DIMENSION = 65_536;

/**
 * A zeroed matrix of `length` values for a catalogue's embeddings: in shared
 * memory where the platform has it (Node; cross-origin-isolated pages), so
 * worker threads (cross-fitting's folds) read this one copy instead of each
 * getting its own.
 */
export function allocateMatrix(length: number): Float32Array {
  return typeof SharedArrayBuffer === 'function' ? new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT)) : new Float32Array(length);
}

/** Validates one item (or query) record as read from JSON. */
export function parseItemRecord(value: unknown): ItemRecordInit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidItemError('an item must be a JSON object with "id" and "embedding" or "text"');
  }
  const embedding = (value as { embedding?: unknown }).embedding;
  // Checked before the schema walks the values: a line of millions of numbers is refused at once.
  if (Array.isArray(embedding) && embedding.length > MAX_DIMENSION) {
    throw new DimensionMismatchError(`has ${embedding.length} values; ClickTune takes embeddings of at most ${MAX_DIMENSION}`, { location: { field: 'embedding' } });
  }
  return parseWith(itemRecordSchema, value, { makeError: (reason, location) => new InvalidItemError(reason, { location }) });
}

/**
 * The catalogue (DESIGN.md "Domain"): id → item. Embeddings are stored in one
 * contiguous row-major Float32Array so that planners and extractors can
 * gather rows without copying per item.
 */
export class ItemsSet {
  readonly ids: readonly string[];
  /** Row-major `size × dimension` matrix; empty when the items are texts only. */
  readonly matrix: Float32Array;
  /** Embedding length, or 0 when the items are texts only. */
  readonly dimension: number;
  private readonly texts: readonly (string | undefined)[] | null;
  private readonly rows: ReadonlyMap<string, number>;
  /** What the set holds, for error messages ("item" or "query"). */
  readonly what: string;

  private constructor(ids: string[], matrix: Float32Array, dimension: number, texts: (string | undefined)[] | null, what: string) {
    this.ids = Object.freeze(ids);
    this.matrix = matrix;
    this.dimension = dimension;
    this.texts = texts;
    this.what = what;
    const rows = new Map<string, number>();
    ids.forEach((id, row) => {
      if (rows.has(id)) throw new InvalidItemError(`duplicate ${what} id ${JSON.stringify(id)}`, { location: { field: `ids[${row}]` } });
      rows.set(id, row);
    });
    this.rows = rows;
  }

  /** From ids and a row-major matrix of their embeddings (checked finite). */
  static fromEmbeddings(ids: ReadonlyArray<string | number>, matrix: Float32Array, dimension: number, options: { what?: string } = {}): ItemsSet {
    const what = options.what ?? 'item';
    if (!Number.isInteger(dimension) || dimension < 1) throw new InvalidItemError(`dimension must be a positive integer, got ${dimension}`);
    if (matrix.length !== ids.length * dimension) {
      throw new DimensionMismatchError(`${ids.length} ids × dimension ${dimension} needs ${ids.length * dimension} values, the matrix has ${matrix.length}`);
    }
    for (let index = 0; index < matrix.length; index += 1) {
      if (!Number.isFinite(matrix[index])) {
        const row = Math.floor(index / dimension);
        throw new InvalidItemError(`embedding of ${what} ${JSON.stringify(String(ids[row]))} has a non-finite value at [${index % dimension}]`, {
          location: { field: 'embedding' },
        });
      }
    }
    return new ItemsSet(
      ids.map((id, index) => normalizeId(id, `ids[${index}]`)),
      matrix,
      dimension,
      null,
      what,
    );
  }

  /** From records `{ id, embedding }` or `{ id, text }` (all embeddings the same length). */
  static fromRecords(records: Iterable<ItemRecordInit>, options: { what?: string } = {}): ItemsSet {
    const what = options.what ?? 'item';
    const ids: string[] = [];
    const vectors: ArrayLike<number>[] = [];
    const texts: (string | undefined)[] = [];
    let dimension = -1;
    let index = 0;
    for (const record of records) {
      const id = normalizeId(record.id, `[${index}].id`);
      if (record.embedding !== undefined) {
        if (dimension === -1) dimension = record.embedding.length;
        else if (record.embedding.length !== dimension) {
          throw new DimensionMismatchError(`${what} ${JSON.stringify(id)} has an embedding of length ${record.embedding.length}, earlier ones have ${dimension}`, {
            location: { field: 'embedding' },
          });
        }
        vectors.push(record.embedding);
      } else if (dimension > 0) {
        throw new InvalidItemError(`${what} ${JSON.stringify(id)} has no embedding while earlier ones do`, { location: { field: 'embedding' } });
      }
      ids.push(id);
      texts.push(record.text);
      index += 1;
    }
    if (vectors.length > 0 && vectors.length !== ids.length) {
      throw new InvalidItemError(`some ${what}s have embeddings and some do not`, { location: { field: 'embedding' } });
    }
    const hasTexts = texts.some((text) => text !== undefined);
    if (vectors.length === 0) {
      if (!hasTexts && ids.length > 0) throw new InvalidItemError(`${what}s need embeddings or texts`);
      return new ItemsSet(ids, new Float32Array(0), 0, texts, what);
    }
    const matrix = allocateMatrix(ids.length * dimension);
    vectors.forEach((vector, row) => {
      matrix.set(vector, row * dimension);
    });
    const set = ItemsSet.fromEmbeddings(ids, matrix, dimension, { what });
    return hasTexts ? new ItemsSet([...set.ids], matrix, dimension, texts, what) : set;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** The row of an id, or -1. */
  rowOf(id: string): number {
    return this.rows.get(id) ?? -1;
  }

  /** A view (no copy) of an item's embedding. */
  embeddingOf(id: string): Float32Array {
    const row = this.requireRow(id);
    if (this.dimension === 0) throw new InvalidItemError(`${this.what}s in this set have no embeddings`);
    return this.matrix.subarray(row * this.dimension, (row + 1) * this.dimension);
  }

  textOf(id: string): string | undefined {
    return this.texts?.[this.requireRow(id)];
  }

  /**
   * Rows of `ids`, in their order. Fails with one MissingItemsError listing
   * every missing id, or, with `skipMissing`, leaves them out.
   */
  rowsOf(ids: readonly string[], options: { skipMissing?: boolean } = {}): Int32Array {
    const rows: number[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row === undefined) missing.push(id);
      else rows.push(row);
    }
    if (missing.length > 0 && !options.skipMissing) throw new MissingItemsError([...new Set(missing)], { what: this.what });
    return Int32Array.from(rows);
  }

  /** Items of `ids`, in order (see `rowsOf` for missing ids). */
  itemsByIds(ids: readonly string[], options: { skipMissing?: boolean } = {}): Item[] {
    return Array.from(this.rowsOf(ids, options), (row) => this.itemAt(row));
  }

  itemAt(row: number): Item {
    const id = this.ids[row];
    if (id === undefined) throw new InvalidItemError(`row ${row} is outside the set of ${this.size}`);
    const text = this.texts?.[row];
    return {
      id,
      ...(this.dimension > 0 ? { embedding: this.matrix.subarray(row * this.dimension, (row + 1) * this.dimension) } : {}),
      ...(text !== undefined ? { text } : {}),
    };
  }

  private requireRow(id: string): number {
    const row = this.rows.get(id);
    if (row === undefined) throw new MissingItemsError([id], { what: this.what });
    return row;
  }
}

/** Throws EmptyInputError when a catalogue holds nothing. */
export function requireNonEmpty(set: ItemsSet, file?: string): ItemsSet {
  if (set.size === 0) throw new EmptyInputError(`no ${set.what}s`, { location: file ? { file } : {} });
  return set;
}
