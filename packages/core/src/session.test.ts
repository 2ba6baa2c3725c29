import { describe, expect, it } from 'vitest';
import { ClickTuneError } from './errors';
import { FineTuningInput } from './session';

const base = {
  query: 'q1',
  results: ['a', 'b', 'c'],
  ranks: { a: 0.9, b: 0.8, c: 0.7 },
  events: ['b'],
};

describe('FineTuningInput derived members', () => {
  it('computes notEvents in display order, objectOf and irrelevance', () => {
    const input = FineTuningInput.create({ ...base, partToObject: { a: 'doc1', c: 'doc1' } });
    expect(input.notEvents).toEqual(['a', 'c']);
    expect(input.objectOf('a')).toBe('doc1');
    expect(input.objectOf('b')).toBe('b');
    expect(input.isIrrelevant).toBe(false);
    expect(input.isEvent('b')).toBe(true);
    expect(FineTuningInput.create({ ...base, events: [] }).isIrrelevant).toBe(true);
  });

  it('normalises numeric ids in results and events to the same strings', () => {
    const input = FineTuningInput.create({ query: 7, results: [1, 2, 3], ranks: { 1: 3, 2: 2, 3: 1 }, events: ['2', 2] });
    expect(input.results).toEqual(['1', '2', '3']);
    expect(input.events).toEqual(['2']);
    expect(input.query).toEqual({ kind: 'id', id: '7' });
    expect(input.ranks?.get('2')).toBe(2);
  });

  it('accepts EmbeddingStudio snake_case names', () => {
    const input = FineTuningInput.create({
      query: { text: 'red shoes' },
      results: ['x:0', 'x:1', 'y'],
      ranks: null,
      events: ['y'],
      event_types: ['click'],
      part_to_object_dict: { 'x:0': 'x', 'x:1': 'x' },
      session_id: 's-1',
      is_irrelevant: false,
    });
    expect(input.partToObject?.get('x:1')).toBe('x');
    expect(input.eventTypes).toEqual(['click']);
    expect(input.sessionId).toBe('s-1');
    expect(input.ranks).toBeNull();
    expect(input.query).toEqual({ kind: 'text', text: 'red shoes' });
  });

  it('treats all-null ranks as missing search scores', () => {
    expect(FineTuningInput.create({ ...base, ranks: { a: null, b: null, c: null } }).ranks).toBeNull();
  });

  it('keeps hostile ids such as __proto__ and constructor as plain ids', () => {
    const raw = JSON.parse(
      '{"query":"q","results":["__proto__","constructor"],"ranks":{"__proto__":1,"constructor":0.5},"events":["__proto__"],"partToObject":{"__proto__":"constructor"}}',
    );
    const input = FineTuningInput.create(raw);
    expect(input.ranks?.get('__proto__')).toBe(1);
    expect(input.objectOf('__proto__')).toBe('constructor');
    expect(input.notEvents).toEqual(['constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const json = input.toJSON();
    expect(Object.keys(json.ranks as object)).toEqual(['__proto__', 'constructor']);
  });

  it('drops events that are not results when asked, with a warning, and stays relevant', () => {
    const warnings: string[] = [];
    const input = FineTuningInput.create({ ...base, events: ['zz', 'b'] }, { missingEvents: 'drop', onWarning: (warning) => warnings.push(warning.message) });
    expect(input.events).toEqual(['b']);
    expect(input.droppedEvents).toEqual(['zz']);
    expect(warnings[0]).toContain('"zz"');
    const allDropped = FineTuningInput.create({ ...base, events: ['zz'] }, { missingEvents: 'drop' });
    expect(allDropped.events).toEqual([]);
    expect(allDropped.isIrrelevant).toBe(false);
  });

  it('round-trips through toJSON', () => {
    const input = FineTuningInput.create({ ...base, propensities: { a: 0.5, b: 1, c: 0.25 }, timestamp: 100 });
    const again = FineTuningInput.create(input.toJSON());
    expect(again.toJSON()).toEqual(input.toJSON());
  });
});

describe('FineTuningInput bad-input table', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 42, '', /JSON object/],
    ['missing query', { results: ['a'] }, 'query', /./],
    ['empty results', { query: 'q', results: [] }, 'results', /must not be empty/],
    ['results not an array', { query: 'q', results: 'a' }, 'results', /array/],
    ['duplicate result ids', { query: 'q', results: ['a', 'b', 'a'] }, 'results[2]', /duplicate result id "a"/],
    ['duplicate after number normalisation', { query: 'q', results: [1, '1'] }, 'results[1]', /duplicate/],
    ['empty id', { query: 'q', results: ['a', ''] }, 'results[1]', /empty/],
    ['NaN id', { query: 'q', results: ['a', Number.NaN] }, 'results[1]', /string or a finite number/],
    ['rank for a non-result', { query: 'q', results: ['a'], ranks: { a: 1, b: 2 } }, 'ranks.b', /not among the results/],
    ['result without a rank', { query: 'q', results: ['a', 'b'], ranks: { a: 1 } }, 'ranks', /"b" has no rank/],
    ['NaN rank', { query: 'q', results: ['a'], ranks: { a: Number.NaN } }, 'ranks.a', /finite/],
    ['infinite rank', { query: 'q', results: ['a'], ranks: { a: Number.POSITIVE_INFINITY } }, 'ranks.a', /finite/],
    ['string rank', { query: 'q', results: ['a'], ranks: { a: '1' } }, 'ranks.a', /finite/],
    ['some ranks null', { query: 'q', results: ['a', 'b'], ranks: { a: 1, b: null } }, 'ranks', /all or none/],
    ['event not among results', { query: 'q', results: ['a'], events: ['b'] }, 'events[0]', /not among the results/],
    ['eventTypes length', { query: 'q', results: ['a'], events: ['a'], eventTypes: [] }, 'eventTypes', /0 entries/],
    ['irrelevant flag with events', { query: 'q', results: ['a'], events: ['a'], is_irrelevant: true }, 'isIrrelevant', /has events/],
    ['both spellings', { query: 'q', results: ['a'], partToObject: {}, part_to_object_dict: {} }, 'partToObject', /given twice/],
    ['propensity zero', { query: 'q', results: ['a'], propensities: { a: 0 } }, 'propensities.a', /\(0, 1\]/],
    ['propensity above one', { query: 'q', results: ['a'], propensities: { a: 1.5 } }, 'propensities.a', /\(0, 1\]/],
    ['propensity of a non-result', { query: 'q', results: ['a'], propensities: { b: 0.5 } }, 'propensities.b', /not among/],
    ['query embedding with NaN', { query: { embedding: [1, Number.NaN] }, results: ['a'] }, 'query', /./],
    ['bad timestamp', { query: 'q', results: ['a'], timestamp: 'yesterday' }, 'timestamp', /not a date/],
    ['notEvents that is clicked', { query: 'q', results: ['a'], events: ['a'], not_events: ['a'] }, 'notEvents[0]', /also an event/],
  ];

  it.each(cases)('%s → invalid-session at %s', (_name, raw, field, message) => {
    let caught: unknown;
    try {
      FineTuningInput.create(raw as Record<string, unknown>);
    } catch (error) {
      caught = error;
    }
    expect(ClickTuneError.isInstance(caught)).toBe(true);
    const error = caught as ClickTuneError;
    expect(error.code).toBe('invalid-session');
    if (field !== '') expect(error.location.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
