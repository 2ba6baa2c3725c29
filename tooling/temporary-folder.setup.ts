import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

// Every test file's temporary files (and those of the CLI processes it starts, which inherit TMPDIR) go under one
// folder of its own, removed when the file's tests are done: a test run leaves nothing in the system's temporary folder.
// Made in beforeAll, not when this file loads: a file whose tests are all skipped runs neither hook.
const outer = process.env.TMPDIR;
let folder: string | undefined;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'clicktune-test-'));
  process.env.TMPDIR = folder;
});

afterAll(() => {
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  if (folder) rmSync(folder, { recursive: true, force: true });
});
