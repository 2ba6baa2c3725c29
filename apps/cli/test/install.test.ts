import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Every package that is published: the folders whose package.json is not private. */
function publicPackages(): string[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name))
      .filter((folder) => {
        try {
          return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).private !== true;
        } catch {
          return false;
        }
      }),
  );
}

/**
 * As a user installs it: every public package packed (pnpm turns workspace
 * ranges into versions), the tarballs installed with plain npm into a fresh
 * project, and the `clicktune` binary run from there.
 */
describe('@clicktune/cli from packed tarballs, installed with npm', () => {
  const work = mkdtempSync(join(tmpdir(), 'clicktune-install-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs without the unpublished bench app and runs', { timeout: 600_000 }, () => {
    const tarballs = join(work, 'tarballs');
    for (const folder of publicPackages()) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: folder, stdio: 'pipe' });
    const project = join(work, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    expect(files.some((file) => file.includes('clicktune-bench'))).toBe(false);
    expect(files.some((file) => file.includes('clicktune-learn'))).toBe(true);
    // tfjs-node is optional for @clicktune/backend-node: its download of libtensorflow (a host these machines cannot reach) must not break the install.
    const installed = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...files], { cwd: project, encoding: 'utf8' });
    expect(installed.stderr).not.toMatch(/ERR!/);
    expect(installed.status).toBe(0);
    const clicktune = (args: string[]) =>
      spawnSync(join(project, 'node_modules', '.bin', 'clicktune'), args, { cwd: project, encoding: 'utf8', env: { ...process.env, CLICKTUNE_BACKEND: 'cpu' } });
    const help = clicktune(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('experiment');
    const evaluated = clicktune(['evaluate', '--sample', 'capitals', '--json']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.status).toBe(0);
    // The shipped sample's own figure: base-embedding MRR@10 0.474 over its 223 queries.
    expect(JSON.parse(evaluated.stdout).mrr).toBeCloseTo(JSON.parse(readFileSync(join(root, 'packages/datasets/data/capitals/meta.json'), 'utf8')).baseline.mrrAt10, 3);
    const bench = clicktune(['bench', '--quick']);
    expect(bench.status).toBe(5);
    expect(bench.stderr).toContain('the benchmark app (@clicktune/bench) is not installed');
  });
});
