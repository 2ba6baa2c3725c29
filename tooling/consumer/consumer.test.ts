import { type SpawnSyncReturns, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, findChromium, servePages } from '../chromium';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every package that is published: the folders whose package.json is not private. */
function publicPackages(): string[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name))
      .filter((folder) => existsSync(join(folder, 'package.json')) && JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).private !== true),
  );
}

/** The environment a user's shell has: without the NODE_PATH that pnpm's bin shims set (it would find the monorepo's packages). */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_PATH: _nodePath, ...environment } = process.env;
  return { ...environment, ...extra };
}

function run(command: string, args: string[], cwd: string, environment: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: userEnvironment(environment), maxBuffer: 64 * 1024 * 1024 });
}

function succeeded(result: SpawnSyncReturns<string>): string {
  if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The last line of a program's stdout, as JSON. */
function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

/**
 * As a user installs it: every public package packed (pnpm turns workspace
 * ranges into versions), the tarballs installed with plain npm into a fresh
 * project (no workspace, no pnpm), then used from TypeScript, CommonJS, a
 * browser bundle and the `clicktune` binary. Needs the packages built (the
 * README's test command builds them first).
 */
describe('the packages, packed and installed with npm into a fresh project', () => {
  const work = mkdtempSync(join(tmpdir(), 'clicktune consumer '));
  const tarballs = join(work, 'tarballs');
  // A space in the path: a package that finds its files with URL.pathname breaks here.
  const project = join(work, 'my project');
  let install: SpawnSyncReturns<string>;

  beforeAll(() => {
    for (const folder of publicPackages()) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: folder, stdio: 'pipe' });
    mkdirSync(project);
    const files = readdirSync(tarballs).sort();
    const dependencies = Object.fromEntries(files.map((file) => [`@clicktune/${file.replace(/^clicktune-/, '').replace(/-0\.0\.0\.tgz$/, '')}`, `file:../tarballs/${file}`]));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: { ...dependencies, '@tensorflow/tfjs-core': '4.22.0' },
        devDependencies: {
          typescript: rootPackage.devDependencies.typescript,
          '@types/node': rootPackage.devDependencies['@types/node'],
          esbuild: '0.27.7',
        },
      }),
    );
    cpSync(fixtures, project, { recursive: true });
    install = run('npm', ['install', '--no-audit', '--no-fund'], project);
  }, 600_000);
  afterAll(() => {
    if (process.env.CLICKTUNE_KEEP_CONSUMER) console.log(`consumer: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });

  it('installs every public tarball with npm, though tfjs-node cannot download libtensorflow', { timeout: 60_000 }, () => {
    const files = readdirSync(tarballs);
    expect(files.some((file) => file.includes('clicktune-bench'))).toBe(false);
    expect(files.length).toBe(publicPackages().length);
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.status).toBe(0);
    // Each tarball carries its licence and its README.
    for (const file of files) {
      const listing = execFileSync('tar', ['-tzf', join(tarballs, file)], { encoding: 'utf8' });
      expect(listing, file).toMatch(/^package\/LICENSE$/m);
      expect(listing, file).toMatch(/^package\/README\.md$/m);
    }
  });

  it('a TypeScript program type-checks under node16 and bundler resolution, and runs: backend, recipe, evaluation, adapter saved and reloaded', { timeout: 300_000 }, () => {
    succeeded(run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.bundler.json'], project));
    succeeded(run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.node16.json'], project));
    const output = lastJson(succeeded(run('node', ['out/program.js', join(project, 'adapter.safetensors')], project, { CLICKTUNE_BACKEND: 'wasm' })));
    expect(output.backend).toBe('wasm');
    // In Node's main thread the installed package starts tfjs's threaded build (its pthread script ships in the tarball).
    expect(output.backendDetail).toMatch(availableParallelism() >= 2 ? /, threads on \([2-8]\)$/ : /, threads off$/);
    expect(output.reason).toMatch(/^\d+ judged queries, out of fold \(5-fold cross-fitting\), .*(deploying the new adapter|keeping the model in service)$/);
    expect(output.ndcgBefore).toBeGreaterThan(0);
    expect(output.ndcgBefore).toBeLessThan(1);
    // Kept in service means served as it was.
    if (output.deployed === false) expect(output.ndcgServed).toBe(output.ndcgBefore);
    expect(output.pairwiseEpochs).toBe(2);
    // The adapter read back from disk ranks exactly as the one that was saved.
    expect(output.ndcgReloaded).toBeCloseTo(output.ndcgTrained as number, 9);
    expect(output.tensorsLeft).toBe(0);
    expect(output.mistake).toBe('invalid-option');
  });

  it('public types name no Node globals: a browser-only project (no @types/node) type-checks', { timeout: 120_000 }, () => {
    succeeded(run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.browser.json'], project));
  });

  it('a CommonJS program requires the packages and trains', { timeout: 120_000 }, () => {
    const output = lastJson(succeeded(run('node', ['program.cjs'], project)));
    expect(output).toEqual({ backend: 'cpu', wasmRegistered: true, epochs: 2, dimension: 8, mistake: 'invalid-item', aggregator: 'function' });
  });

  describe('a browser bundle made with plain `esbuild --bundle`', () => {
    const bundle = join(project, 'out', 'browser.js');
    let bundled: SpawnSyncReturns<string>;
    beforeAll(() => {
      bundled = run(join(project, 'node_modules/.bin/esbuild'), ['browser.ts', '--bundle', `--outfile=${bundle}`], project);
    }, 120_000);

    it('bundles without any flag beyond --bundle, and without Node modules', { timeout: 120_000 }, () => {
      expect(bundled.stderr).not.toMatch(/Could not resolve/);
      expect(bundled.status).toBe(0);
      const code = readFileSync(bundle, 'utf8');
      // core's browser build, not its Node file IO (tfjs's own guarded `require("fs")` for Node may remain).
      expect(code).toContain("needs Node's file system");
      expect(code).not.toContain('clicktune-tmp');
      const minified = join(project, 'out', 'browser.min.js');
      succeeded(run(join(project, 'node_modules/.bin/esbuild'), ['browser.ts', '--bundle', '--minify', `--outfile=${minified}`], project));
      const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
      console.log(`consumer: browser bundle ${kib(statSync(bundle).size)}, minified ${kib(statSync(minified).size)}, gzip ${kib(gzipSync(readFileSync(minified)).length)}`);
    });

    const chromium = findChromium();
    it.skipIf(!chromium)(
      'runs in headless Chromium: wasm backend, one training step, a retrieval; a missing .wasm names its URL and a fallback is said',
      { timeout: 180_000 },
      async () => {
        expect(bundled.status, 'the bundle was not built').toBe(0);
        const wasmFolder = join(project, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
        const server = await serve(bundle, wasmFolder);
        const { chromium: playwright } = await import('playwright');
        const browser = await playwright.launch({ executablePath: chromium, args: CHROMIUM_FLAGS, headless: true });
        try {
          const open = async (query: string) => {
            const page = await browser.newPage();
            const warnings: string[] = [];
            page.on('console', (message) => {
              if (message.type() === 'warning') warnings.push(message.text());
            });
            await page.goto(`${server.url}?${query}`);
            await page.waitForFunction(() => 'consumerResult' in globalThis, undefined, { timeout: 60_000 });
            const result = (await page.evaluate(() => (globalThis as unknown as { consumerResult: Promise<unknown> }).consumerResult)) as Record<string, unknown>;
            await page.close();
            return { result, warnings };
          };
          const served = await open('backend=wasm&wasm=/wasm/');
          expect(served.result).toEqual({ backend: 'wasm', epochs: 1, top: expect.arrayContaining(['item-10']), tensorsLeft: 0, fileError: 'io-error' });
          expect((served.result.top as string[])[0]).toBe('item-10');
          // The .wasm files are not where the page says: the error names the URLs and what they answered.
          const missing = await open('backend=wasm&wasm=/missing/');
          expect(missing.result.error).toMatch(/backend "wasm" failed to start: .*\/missing\/tfjs-backend-wasm-simd\.wasm \(HTTP 404\)/);
          // Chosen automatically, the page falls back to cpu, and says so.
          const fallback = await open('wasm=/missing/');
          expect(fallback.result.backend).toBe('cpu');
          expect(fallback.result.passedOver).toEqual([expect.stringMatching(/backend "wasm" failed to start: .*HTTP 404/)]);
          expect(fallback.warnings.some((warning) => /clicktune: backend "wasm" failed to start.*using "cpu" instead/.test(warning))).toBe(true);
        } finally {
          await browser.close();
          server.server.close();
        }
      },
    );
  });

  describe('the clicktune binary from its tarball', () => {
    const clicktune = (args: string[], environment: Record<string, string> = {}) => run(join(project, 'node_modules/.bin/clicktune'), args, project, environment);

    it('runs without the unpublished bench app', { timeout: 120_000 }, () => {
      const help = clicktune(['--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('experiment');
      const evaluated = clicktune(['evaluate', '--sample', 'capitals', '--json'], { CLICKTUNE_BACKEND: 'cpu' });
      expect(evaluated.stderr).toBe('');
      expect(evaluated.status).toBe(0);
      // The shipped sample's own figure: base-embedding MRR@10 over its 223 queries.
      expect(JSON.parse(evaluated.stdout).mrr).toBeCloseTo(JSON.parse(readFileSync(join(root, 'packages/datasets/data/capitals/meta.json'), 'utf8')).baseline.mrrAt10, 3);
      const bench = clicktune(['bench', '--quick']);
      expect(bench.status).toBe(5);
      expect(bench.stderr).toContain('the benchmark app (@clicktune/bench) is not installed');
    });

    // Building the addon needs python3, pip, a compiler and PyPI (or the cache the monorepo's own setup filled).
    const nativeBuilt =
      spawnSync('node', ['-e', "require('@tensorflow/tfjs-node')"], { cwd: join(root, 'packages/backend-node'), env: userEnvironment({ TF_CPP_MIN_LOG_LEVEL: '3' }) }).status === 0;
    it.skipIf(!nativeBuilt)('the node backend: unavailable with the command to run, available after `npx clicktune-build-tfjs-node`', { timeout: 600_000 }, () => {
      const before = clicktune(['backends']);
      expect(before.stdout).toMatch(/^node +unavailable +@tensorflow\/tfjs-node is not installed .*npx clicktune-build-tfjs-node/m);
      succeeded(run('npx', ['--no-install', 'clicktune-build-tfjs-node'], project));
      const after = clicktune(['backends']);
      expect(after.stdout).toMatch(/^node +available +tfjs-node 4\.22/m);
      const evaluated = clicktune(['evaluate', '--sample', 'capitals', '--json', '--backend', 'node']);
      expect(evaluated.status).toBe(0);
      expect(JSON.parse(evaluated.stdout).mrr).toBeCloseTo(JSON.parse(readFileSync(join(root, 'packages/datasets/data/capitals/meta.json'), 'utf8')).baseline.mrrAt10, 3);
    });
  });
});

/** Serves the page, the bundle and the .wasm files; anything else is a 404. */
function serve(bundle: string, wasmFolder: string) {
  return servePages(async (path) => {
    if (path === '/') return { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><script src="/browser.js"></script>' };
    if (path === '/browser.js') return { type: 'text/javascript', body: await readFile(bundle) };
    if (/^\/wasm\/[\w.-]+\.wasm$/.test(path)) return { type: 'application/wasm', body: await readFile(join(wasmFolder, path.slice('/wasm/'.length))) };
    return undefined;
  });
}
