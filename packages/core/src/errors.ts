const marker = Symbol.for('clicktune.error');

/** Where a problem was found: any of file, line (1-based) and field. */
export interface ErrorLocation {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
}

/**
 * Stable, documented error codes. A caller (and the CLI's exit codes) may
 * switch on these; messages may change, codes do not.
 */
export type ClickTuneErrorCode =
  | 'invalid-json'
  | 'invalid-session'
  | 'invalid-item'
  | 'invalid-option'
  | 'invalid-relevance'
  | 'missing-items'
  | 'dimension-mismatch'
  | 'empty-input'
  | 'io-error'
  | 'backend-unavailable'
  | 'invalid-weights';

/** Formats a location as `file:line: field` (only the parts that are known). */
export function formatLocation(location: ErrorLocation): string {
  const place = [location.file, location.line === undefined ? undefined : String(location.line)].filter((part) => part !== undefined).join(':');
  return [place, location.field].filter((part) => part !== undefined && part !== '').join(': ');
}

/**
 * The base of every error ClickTune throws on purpose. `isInstance` works
 * across duplicated copies of this package (a `Symbol.for` marker rather than
 * `instanceof`), as vercel/ai does.
 */
export class ClickTuneError extends Error {
  readonly code: ClickTuneErrorCode;
  readonly location: ErrorLocation;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(code: ClickTuneErrorCode, reason: string, options: { location?: ErrorLocation; cause?: unknown } = {}) {
    const location = options.location ?? {};
    const where = formatLocation(location);
    super(where === '' ? reason : `${where}: ${reason}`, { cause: options.cause });
    Object.defineProperty(this, marker, { value: true });
    this.name = 'ClickTuneError';
    this.code = code;
    this.location = location;
    this.reason = reason;
  }

  static isInstance(error: unknown): error is ClickTuneError {
    return typeof error === 'object' && error !== null && marker in error && (error as Record<symbol, unknown>)[marker] === true;
  }

  /**
   * The same error, placed at a file and line (fields already known are kept):
   * same class, code, reason and extra fields, whatever the subclass's constructor takes.
   */
  at(location: ErrorLocation): ClickTuneError {
    const copy = new ClickTuneError(this.code, this.reason, { location: { ...location, ...this.location }, cause: this.cause });
    Object.setPrototypeOf(copy, Object.getPrototypeOf(this));
    copy.name = this.name;
    for (const [key, value] of Object.entries(this)) {
      if (!(key in copy)) Object.defineProperty(copy, key, { value, enumerable: true });
    }
    return copy;
  }
}

/** A ClickTuneError subclass made by `defineError` (declared, so that public types name no runtime's Error statics). */
interface ClickTuneErrorClass {
  new (reason: string, options?: { location?: ErrorLocation; cause?: unknown }): ClickTuneError;
  readonly prototype: ClickTuneError;
  isInstance(error: unknown): error is ClickTuneError;
}

function defineError(name: string, code: ClickTuneErrorCode): ClickTuneErrorClass {
  const ErrorClass = class extends ClickTuneError {
    constructor(reason: string, options: { location?: ErrorLocation; cause?: unknown } = {}) {
      super(code, reason, options);
      this.name = name;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: name });
  return ErrorClass;
}

/** A line of a JSONL file is not valid JSON. */
export class InvalidJsonError extends defineError('InvalidJsonError', 'invalid-json') {}
/** A session (FineTuningInput) breaks a rule of DESIGN.md "Domain". */
export class InvalidSessionError extends defineError('InvalidSessionError', 'invalid-session') {}
/** An item or query record is malformed (missing id, non-finite embedding, …). */
export class InvalidItemError extends defineError('InvalidItemError', 'invalid-item') {}
/** An option is out of its documented range. */
export class InvalidOptionError extends defineError('InvalidOptionError', 'invalid-option') {}
/** A relevance judgement (qrels) line is malformed. */
export class InvalidRelevanceError extends defineError('InvalidRelevanceError', 'invalid-relevance') {}
/** Embeddings of different lengths were mixed. */
export class DimensionMismatchError extends defineError('DimensionMismatchError', 'dimension-mismatch') {}
/** A file or batch that must hold something holds nothing. */
export class EmptyInputError extends defineError('EmptyInputError', 'empty-input') {}
/** Reading or writing a file failed (not found, permission, disk full). */
export class FileAccessError extends defineError('FileAccessError', 'io-error') {}
/** A tensor backend cannot start here; the message says why. */
export class BackendUnavailableError extends defineError('BackendUnavailableError', 'backend-unavailable') {}
/** A weights file is not what ClickTune wrote (bad header, wrong shapes). */
export class InvalidWeightsError extends defineError('InvalidWeightsError', 'invalid-weights') {}

/** Ids were asked for that the set does not hold; lists every one of them. */
export class MissingItemsError extends ClickTuneError {
  readonly missingIds: readonly string[];
  readonly what: string;
  constructor(missingIds: readonly string[], options: { location?: ErrorLocation; what?: string } = {}) {
    const what = options.what ?? 'item';
    const shown = missingIds
      .slice(0, 20)
      .map((id) => JSON.stringify(id))
      .join(', ');
    const more = missingIds.length > 20 ? ` and ${missingIds.length - 20} more` : '';
    super('missing-items', `${missingIds.length} unknown ${what} id${missingIds.length === 1 ? '' : 's'}: ${shown}${more}`, {
      location: options.location,
    });
    this.name = 'MissingItemsError';
    this.missingIds = missingIds;
    this.what = what;
  }
}
