import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Every test file's temporary files (and those of the CLI processes it starts, which inherit TMPDIR) go under one
// folder of its own, removed when the file's tests are done: a test run leaves nothing in the system's temporary folder.
const outer = process.env.TMPDIR;
const folder = mkdtempSync(join(tmpdir(), 'clicktune-test-'));
process.env.TMPDIR = folder;

afterAll(() => {
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  rmSync(folder, { recursive: true, force: true });
});
