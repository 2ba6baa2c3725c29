import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type BadInputCase, baseFiles, CASES } from './bad-input-corpus';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function run(args: readonly string[], cwd: string, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CLICKTUNE_BACKEND: 'cpu' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Temporary files of atomic writes, anywhere under the folder. */
function leftovers(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) => name.includes('.clicktune-tmp-'));
}

function prepare(entry: BadInputCase): string {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-corpus-'));
  for (const [name, content] of Object.entries({ ...baseFiles(), ...entry.files })) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), content);
  }
  return folder;
}

const outcomes = { passed: 0, failed: 0 };
const byClass = new Map<string, number>();
for (const entry of CASES) byClass.set(entry.class, (byClass.get(entry.class) ?? 0) + 1);

afterAll(() => {
  const classes = [...byClass].map(([name, count]) => `${name} ${count}`).join(', ');
  process.stdout.write(`bad-input corpus: ${outcomes.passed} passed, ${outcomes.failed} failed (${CASES.length} input cases: ${classes}; plus the live-process faults)\n`);
});

/** Cases that need a live process: closed pipes and signals. They count in the summary line too. */
async function counted(body: () => Promise<void>): Promise<void> {
  let passed = false;
  try {
    await body();
    passed = true;
  } finally {
    if (passed) outcomes.passed += 1;
    else outcomes.failed += 1;
  }
}

/** The base task with 20,000 simulated sessions: enough pairs that extract runs for seconds and overflows a pipe. */
async function largeTask(): Promise<string> {
  const folder = prepare({ name: 'large', class: 'crash', args: [], code: 0 });
  const simulated = await run(
    ['simulate', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--qrels', 'qrels.txt', '--sessions', '20000', '--top-k', '8', '--out', 'many.jsonl'],
    folder,
  );
  expect(simulated.code, simulated.stderr).toBe(0);
  return folder;
}

/**
 * A small tmpfs mounted at a fresh folder (a full disk, or a read-only one):
 * needs root (CI and this project's machines run as root); elsewhere the
 * cases are skipped with the reason.
 */
function mountTmpfs(options: string): { folder: string; unmount: () => void } | { reason: string } {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-mount-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', folder], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(folder, { recursive: true, force: true });
    return { reason: `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim().split('\n')[0]})` };
  }
  return {
    folder,
    unmount: () => {
      spawnSync('umount', [folder]);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
const mountProbe = mountTmpfs('size=16k');
if ('unmount' in mountProbe) mountProbe.unmount();
const mountSkip = 'reason' in mountProbe ? mountProbe.reason : null;

describe('faults of a running process', () => {
  it.skipIf(mountSkip !== null)(
    `a full disk during extract: exit 4 naming the output, and nothing left there${mountSkip ? ` — skipped: ${mountSkip}` : ''}`,
    { timeout: 120_000 },
    () =>
      counted(async () => {
        const folder = await largeTask();
        const disk = mountTmpfs('size=64k');
        if (!('unmount' in disk)) throw new Error(disk.reason);
        try {
          const output = join(disk.folder, 'features.jsonl');
          const result = await run(
            ['extract', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--sessions', 'many.jsonl', '--out', output, '--max-difference', '2'],
            folder,
          );
          expect(result.code, result.stderr).toBe(4);
          const lines = result.stderr.trim().split('\n');
          expect(lines.at(-1)).toMatch(new RegExp(`^clicktune: ${output.replaceAll('/', '\\/')}.*(ENOSPC|no space)`, 'i'));
          expect(result.stderr).not.toMatch(/\n\s+at /);
          expect(readdirSync(disk.folder)).toEqual([]);
        } finally {
          disk.unmount();
        }
      }),
  );

  it.skipIf(mountSkip !== null)(
    `train --out on a read-only disk is refused before any training, and nothing is left${mountSkip ? ` — skipped: ${mountSkip}` : ''}`,
    { timeout: 120_000 },
    () =>
      counted(async () => {
        const folder = prepare({ name: 'read-only', class: 'left behind', args: [], code: 0 });
        const disk = mountTmpfs('ro,size=64k');
        if (!('unmount' in disk)) throw new Error(disk.reason);
        try {
          const output = join(disk.folder, 'adapter.safetensors');
          const result = await run(
            ['train', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--sessions', 'sessions.jsonl', '--out', output, '--epochs', '2', '--folds', '1'],
            folder,
          );
          expect(result.code, result.stderr).toBe(4);
          // Up front: one line, before any epoch.
          expect(result.stderr.trim().split('\n')).toHaveLength(1);
          expect(result.stderr).toMatch(new RegExp(`^clicktune: ${output.replaceAll('/', '\\/')}`));
          expect(readdirSync(disk.folder)).toEqual([]);
          expect(leftovers(folder)).toEqual([]);
        } finally {
          disk.unmount();
        }
      }),
  );

  it('extract --out - | head -c 100: the closed pipe ends the run quietly', { timeout: 120_000 }, () =>
    counted(async () => {
      const folder = await largeTask();
      const child = spawn(
        process.execPath,
        [bin, 'extract', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--sessions', 'many.jsonl', '--out', '-', '--max-difference', '2'],
        { cwd: folder, env: { ...process.env, CLICKTUNE_BACKEND: 'cpu' } },
      );
      let received = 0;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= 100) child.stdout.destroy();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).not.toMatch(/\n\s+at |Unhandled|EPIPE/);
      expect(code).toBe(0);
    }),
  );

  it('a closed stderr during train does not kill it: the adapter is written', { timeout: 120_000 }, () =>
    counted(async () => {
      const folder = prepare({ name: 'stderr', class: 'crash', args: [], code: 0 });
      const child = spawn(
        process.execPath,
        [bin, 'train', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--sessions', 'sessions.jsonl', '--out', 'out', '--epochs', '2', '--folds', '1'],
        { cwd: folder, env: { ...process.env, CLICKTUNE_BACKEND: 'cpu' } },
      );
      child.stderr.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(existsSync(join(folder, 'out'))).toBe(true);
    }),
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while extract writes leaves neither the output nor a temporary file`, { timeout: 120_000 }, () =>
      counted(async () => {
        const folder = await largeTask();
        const child = spawn(
          process.execPath,
          [bin, 'extract', '--items', 'items.jsonl', '--queries', 'queries.jsonl', '--sessions', 'many.jsonl', '--out', 'features.jsonl', '--max-difference', '2'],
          { cwd: folder, env: { ...process.env, CLICKTUNE_BACKEND: 'cpu' } },
        );
        const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
        // Stop it once the atomic write has begun (its temporary file exists).
        for (let tries = 0; tries < 2000 && leftovers(folder).length === 0 && child.exitCode === null; tries += 1) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(leftovers(folder).length, 'the write began before the run ended').toBe(1);
        child.kill(signal);
        expect(await closed).toBe(130);
        expect(leftovers(folder)).toEqual([]);
        expect(existsSync(join(folder, 'features.jsonl'))).toBe(false);
      }),
    );
  }

  it('a checkpoint of a two-tower run does not resume into a query-only model', { timeout: 120_000 }, () =>
    counted(async () => {
      const folder = prepare({ name: 'towers', class: 'garbage', args: [], code: 0 });
      const common = [
        'train',
        '--items',
        'items.jsonl',
        '--queries',
        'queries.jsonl',
        '--sessions',
        'sessions.jsonl',
        '--out',
        'out',
        '--checkpoint',
        'run.checkpoint',
        '--method',
        'pairwise',
        '--folds',
        '1',
        '--epochs',
        '2',
      ];
      const first = await run([...common, '--towers', 'both'], folder);
      expect(first.code, first.stderr).toBe(0);
      const resumed = await run([...common, '--towers', 'query', '--resume', '--out', 'other'], folder);
      expect(resumed.code).toBe(6);
      expect(resumed.stderr.trim().split('\n').at(-1)).toMatch(/^clicktune: run\.checkpoint: the checkpoint trains the item tower, which this model does not have/);
      expect(existsSync(join(folder, 'other'))).toBe(false);
    }),
  );
});

describe.concurrent('the bad-input corpus, on the real binary', () => {
  it.each(CASES.map((entry) => [`${entry.class}: ${entry.name}`, entry] as const))('%s', { timeout: 120_000 }, async (_name, entry) => {
    let passed = false;
    try {
      const folder = prepare(entry);
      const result = await run(entry.args, folder, entry.stdin);
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
      const output = entry.output ?? 'out';
      expect(result.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
      expect(result.code, result.stderr).toBe(entry.code);
      if (entry.code === 0) {
        if (entry.message) expect(result.stderr).toMatch(entry.message);
        if (output !== '') expect(existsSync(join(folder, output)), `${output} written`).toBe(true);
      } else {
        expect(lines.at(-1) ?? '', 'the last line is the error').toMatch(/^clicktune: /);
        expect(lines.at(-1) ?? '').toMatch(entry.message ?? /./);
        if (entry.upFront !== false) expect(lines, 'one line, before any work').toHaveLength(1);
        if (output !== '') expect(existsSync(join(folder, output)), `nothing at ${output}`).toBe(false);
      }
      expect(leftovers(folder), 'no temporary file left').toEqual([]);
      passed = true;
    } finally {
      if (passed) outcomes.passed += 1;
      else outcomes.failed += 1;
    }
  });
});
