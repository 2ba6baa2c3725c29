import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClickTuneError } from './errors';
import { writeFileAtomic, writeJsonl } from './files';
import { readItemsBinary, readItemsJsonl, readRelevance, readSessionsArray, type SkippedRecord, writeSessions } from './io';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'clicktune-core-'));
}

async function caught(promise: Promise<unknown>): Promise<ClickTuneError> {
  try {
    await promise;
  } catch (error) {
    if (ClickTuneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ClickTuneError');
}

describe('readSessions', () => {
  it('reads camelCase and snake_case lines and round-trips through writeSessions', async () => {
    const dir = folder();
    const file = join(dir, 'sessions.jsonl');
    writeFileSync(
      file,
      [
        '{"query":"q1","results":["a","b"],"ranks":{"a":1,"b":0.5},"events":["a"]}',
        '',
        '{"query":{"text":"t"},"results":["x:0","x:1"],"ranks":null,"events":[],"part_to_object_dict":{"x:0":"x","x:1":"x"}}',
      ].join('\n'),
    );
    const sessions = await readSessionsArray(file);
    expect(sessions).toHaveLength(2);
    expect(sessions[1]?.objectOf('x:1')).toBe('x');
    const out = join(dir, 'out.jsonl');
    expect(await writeSessions(out, sessions)).toBe(2);
    const again = await readSessionsArray(out);
    expect(again.map((session) => session.toJSON())).toEqual(sessions.map((session) => session.toJSON()));
  });

  it('names the file, line and field of a bad session', async () => {
    const file = join(folder(), 's.jsonl');
    writeFileSync(file, '{"query":"q","results":["a"],"ranks":{"a":1}}\n\n{"query":"q","results":["a"],"ranks":{"a":"high"}}\n');
    const error = await caught(readSessionsArray(file));
    expect(error.code).toBe('invalid-session');
    expect(error.message).toBe(`${file}:3: ranks.a: must be a finite number, got "high"`);
  });

  it('names the line of invalid JSON', async () => {
    const file = join(folder(), 's.jsonl');
    writeFileSync(file, '{"query":"q","results":["a"]}\n{"query": oops}\n');
    const error = await caught(readSessionsArray(file));
    expect(error.code).toBe('invalid-json');
    expect(error.location).toMatchObject({ file, line: 2 });
  });

  it('skips and reports bad lines when asked', async () => {
    const file = join(folder(), 's.jsonl');
    writeFileSync(file, '{"query":"q","results":[]}\nnot json\n{"query":"q","results":["a"],"events":["a"]}\n');
    const skipped: SkippedRecord[] = [];
    const sessions = await readSessionsArray(file, { onInvalid: 'skip', onSkipped: (record) => skipped.push(record) });
    expect(sessions).toHaveLength(1);
    expect(skipped.map((record) => [record.line, record.error.code])).toEqual([
      [1, 'invalid-session'],
      [2, 'invalid-json'],
    ]);
  });

  it('reports a missing file as io-error naming it', async () => {
    const error = await caught(readSessionsArray('/nonexistent/sessions.jsonl'));
    expect(error.code).toBe('io-error');
    expect(error.message).toBe('/nonexistent/sessions.jsonl: no such file');
  });
});

describe('items IO', () => {
  it('reads JSONL items and names the line of a dimension mismatch or duplicate', async () => {
    const dir = folder();
    const good = join(dir, 'items.jsonl');
    writeFileSync(good, '{"id":"a","embedding":[1,0]}\n{"id":"b","embedding":[0,1]}\n');
    const read = await readItemsJsonl(good);
    expect(read.dimension).toBe(2);
    // In shared memory: cross-fitting's worker threads read this copy instead of each getting their own.
    expect(read.matrix.buffer).toBeInstanceOf(SharedArrayBuffer);

    const mismatch = join(dir, 'mismatch.jsonl');
    writeFileSync(mismatch, '{"id":"a","embedding":[1,0]}\n{"id":"b","embedding":[0,1,2]}\n');
    const dimensionError = await caught(readItemsJsonl(mismatch));
    expect(dimensionError.code).toBe('dimension-mismatch');
    expect(dimensionError.location).toMatchObject({ file: mismatch, line: 2, field: 'embedding' });

    const duplicate = join(dir, 'duplicate.jsonl');
    writeFileSync(duplicate, '{"id":"a","embedding":[1]}\n{"id":"a","embedding":[2]}\n');
    expect((await caught(readItemsJsonl(duplicate))).message).toMatch(/duplicate\.jsonl:2: id: duplicate item id "a" \(first on line 1\)/);

    const nan = join(dir, 'nan.jsonl');
    writeFileSync(nan, '{"id":"a","embedding":[1,"x"]}\n');
    expect((await caught(readItemsJsonl(nan))).location).toMatchObject({ line: 1, field: 'embedding[1]' });

    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n');
    expect((await caught(readItemsJsonl(empty))).code).toBe('empty-input');
  });

  it('reads a binary float32 matrix with an ids file and checks the sizes', async () => {
    const dir = folder();
    const matrix = join(dir, 'items.f32');
    const ids = join(dir, 'items.ids');
    writeFileSync(matrix, Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6).buffer));
    writeFileSync(ids, 'a\nb\n');
    const set = await readItemsBinary(matrix, ids);
    expect(set.dimension).toBe(3);
    expect(Array.from(set.embeddingOf('b'))).toEqual([4, 5, 6]);
    expect(set.matrix.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((await caught(readItemsBinary(matrix, ids, { dimension: 2 }))).code).toBe('dimension-mismatch');
    writeFileSync(ids, 'a\nb\nc\nd\n');
    expect((await caught(readItemsBinary(matrix, ids))).code).toBe('dimension-mismatch');
  });
});

describe('readRelevance', () => {
  it('reads TREC qrels and JSONL, and rejects malformed lines', async () => {
    const dir = folder();
    const qrels = join(dir, 'test.qrels');
    writeFileSync(qrels, 'q1 0 a 2\nq1 0 b 0\nq2\t0\ta\t1\n');
    const relevance = await readRelevance(qrels);
    expect(relevance.get('q1')?.get('a')).toBe(2);
    expect(relevance.get('q2')?.get('a')).toBe(1);

    const jsonl = join(dir, 'rel.jsonl');
    writeFileSync(jsonl, '{"query":"q","item":"__proto__","grade":1}\n');
    expect((await readRelevance(jsonl)).get('q')?.get('__proto__')).toBe(1);

    writeFileSync(qrels, 'q1 0 a 2\nq1 0 a\n');
    expect((await caught(readRelevance(qrels))).location).toMatchObject({ line: 2 });
    writeFileSync(qrels, 'q1 0 a high\n');
    expect((await caught(readRelevance(qrels))).location).toMatchObject({ line: 1, field: 'grade' });
    writeFileSync(qrels, 'q1 0 a 1\nq1 0 a 2\n');
    expect((await caught(readRelevance(qrels))).message).toMatch(/twice/);
  });
});

describe('writeFileAtomic', () => {
  it('leaves no output and no temporary file when the content fails mid-write', async () => {
    const dir = folder();
    const target = join(dir, 'features.jsonl');
    async function* failing() {
      yield 'first line\n';
      throw new Error('disk on fire');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow('disk on fire');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the previous file intact when a rewrite fails', async () => {
    const dir = folder();
    const target = join(dir, 'out.jsonl');
    await writeJsonl(target, [{ a: 1 }]);
    function* failing() {
      yield { a: 2 };
      throw new Error('interrupted');
    }
    await expect(writeJsonl(target, failing())).rejects.toThrow('interrupted');
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['out.jsonl']);
  });

  it('reports an unwritable folder as io-error', async () => {
    const error = await caught(writeFileAtomic('/nonexistent-folder/x.jsonl', 'x'));
    expect(error.code).toBe('io-error');
  });
});
