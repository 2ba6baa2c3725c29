import { InvalidSessionError } from './errors';

/**
 * Ids are strings everywhere. Finite integers and other finite numbers are
 * accepted and normalised with `String(value)` so that `7` in `results` and
 * `"7"` in `events` name the same result.
 */
export type IdLike = string | number;

export function normalizeId(value: unknown, field: string): string {
  if (typeof value === 'string') {
    if (value.length === 0) throw new InvalidSessionError('an id must not be empty', { location: { field } });
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InvalidSessionError(`an id must be a string or a finite number, got ${describeValue(value)}`, {
    location: { field },
  });
}

/** A short, safe description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}

/**
 * Reads an id-keyed collection (a `Map`, an array of `[id, value]` entries or
 * a plain object parsed from JSON) into a `Map`. Plain objects are read with
 * `Object.entries`, so ids such as `__proto__` or `constructor` are kept as
 * ordinary keys and never touch a prototype.
 */
export function entriesOf(value: unknown, field: string): Array<[string, unknown]> {
  if (value instanceof Map) return [...value.entries()].map(([key, item]) => [normalizeId(key, field), item]);
  if (Array.isArray(value)) {
    return value.map((entry, index) => {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new InvalidSessionError('expected [id, value] entries', { location: { field: `${field}[${index}]` } });
      }
      return [normalizeId(entry[0], `${field}[${index}]`), entry[1]];
    });
  }
  if (typeof value === 'object' && value !== null) return Object.entries(value);
  throw new InvalidSessionError(`expected an object keyed by id, got ${describeValue(value)}`, { location: { field } });
}
