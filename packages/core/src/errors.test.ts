import { describe, expect, it } from 'vitest';
import { ClickTuneError, formatLocation, InvalidSessionError, MissingItemsError } from './errors';

describe('typed errors', () => {
  it('carry a stable code and format their location as file:line: field', () => {
    const error = new InvalidSessionError('must be finite', { location: { field: 'ranks.a' } }).at({ file: 'in.jsonl', line: 12 });
    expect(error.code).toBe('invalid-session');
    expect(error).toBeInstanceOf(InvalidSessionError);
    expect(error.message).toBe('in.jsonl:12: ranks.a: must be finite');
    expect(formatLocation({ file: 'x' })).toBe('x');
  });

  it('isInstance recognises errors from another copy of the package by their marker', () => {
    const foreign = new Error('from a duplicated copy');
    Object.defineProperty(foreign, Symbol.for('clicktune.error'), { value: true });
    expect(ClickTuneError.isInstance(foreign)).toBe(true);
    expect(ClickTuneError.isInstance(new Error('plain'))).toBe(false);
    expect(ClickTuneError.isInstance(null)).toBe(false);
  });

  it('MissingItemsError lists every missing id once', () => {
    const error = new MissingItemsError(['x', 'y']);
    expect(error.code).toBe('missing-items');
    expect(error.message).toBe('2 unknown item ids: "x", "y"');
    expect(error.at({ file: 'f', line: 3 }).message).toBe('f:3: 2 unknown item ids: "x", "y"');
  });
});
