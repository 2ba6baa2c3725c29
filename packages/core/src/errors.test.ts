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
    const placed = error.at({ file: 'f', line: 3 });
    expect(placed.message).toBe('f:3: 2 unknown item ids: "x", "y"');
    expect(placed).toBeInstanceOf(MissingItemsError);
    expect((placed as MissingItemsError).missingIds).toEqual(['x', 'y']);
  });

  it('at() keeps the code and reason of a base-class error (its constructor takes the code first)', () => {
    const placed = new ClickTuneError('invalid-option', 'bad flag', { location: { field: '--epochs' } }).at({ file: 'cli' });
    expect(placed.code).toBe('invalid-option');
    expect(placed.reason).toBe('bad flag');
    expect(placed.message).toBe('cli: --epochs: bad flag');
    expect(placed.name).toBe('ClickTuneError');
    expect(ClickTuneError.isInstance(placed)).toBe(true);
  });
});
