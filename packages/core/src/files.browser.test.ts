import { describe, expect, it } from 'vitest';
import { ClickTuneError } from './errors';
import * as browserFiles from './files.browser';
import * as nodeFiles from './files';

describe('the browser build of the file IO', () => {
  it('has every name the Node module has, so the public API is the same in both builds', () => {
    expect(Object.keys(browserFiles).sort()).toEqual(Object.keys(nodeFiles).sort());
  });

  it('fails each read and write with a typed error that says what to use instead', async () => {
    const failures: Array<() => Promise<unknown>> = [
      () => browserFiles.readJsonl('sessions.jsonl').next(),
      () => browserFiles.readJsonlEntries('sessions.jsonl').next(),
      () => browserFiles.readTextLines('ids.txt').next(),
      () => browserFiles.readBinaryFile('items.f32'),
      () => browserFiles.writeFileAtomic('adapter.safetensors', 'x'),
      () => browserFiles.writeJsonl('out.jsonl', []),
    ];
    for (const failure of failures) {
      const error = await Promise.resolve()
        .then(failure)
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(ClickTuneError.isInstance(error) && error.code).toBe('io-error');
      expect((error as Error).message).toMatch(/(reading|writing) \S+ needs Node's file system; in a browser, parse text with parseJsonl/);
    }
    await expect(browserFiles.removeTemporaryFiles()).resolves.toBeUndefined();
  });
});
