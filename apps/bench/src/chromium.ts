import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_FLAGS, findChromium, servePages } from '../../../tooling/chromium';
import type { BackendDescription } from '@clicktune/backends';
import type { Page } from 'playwright-core';
import { WASM_ROUTE } from './page-api';
import { type BenchmarkOptions, type BenchmarkRun, browserName } from './run';

/** The backends measured in the page by default: the ones only a browser has, and wasm to compare with Node's. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm'];

const require = createRequire(import.meta.url);

/** The page bundle built beside this file (dist/browser/page.js) and tfjs's .wasm files. */
function pageFiles(): { page: string; wasm: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  return {
    page: join(here, 'browser', 'page.js'),
    wasm: join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'),
  };
}

/** Serves the page, its bundle and the .wasm files. */
function servePage(files: { page: string; wasm: string }) {
  return servePages(async (path) => {
    if (path === '/') return { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>ClickTune bench</title><script type="module" src="/page.js"></script>' };
    if (path === '/page.js') return { type: 'text/javascript', body: await readFile(files.page) };
    if (path.startsWith(WASM_ROUTE) && /^[\w.-]+\.wasm$/.test(path.slice(WASM_ROUTE.length)))
      return { type: 'application/wasm', body: await readFile(join(files.wasm, path.slice(WASM_ROUTE.length))) };
    return undefined;
  });
}

/**
 * Opens the bench page in headless Chromium and runs `work` on it, or says
 * why it could not (no Chromium, no bundle, Chromium does not start).
 */
async function withBenchPage<T>(work: (page: Page) => Promise<T>, onProgress: (message: string) => void): Promise<{ value: T } | { skipped: string }> {
  const executablePath = findChromium();
  if (!executablePath) return { skipped: 'no Chromium found (CHROMIUM_PATH, /usr/bin/chromium, …); tooling/scripts/setup-system.sh installs it' };
  const files = pageFiles();
  try {
    await readFile(files.page);
  } catch {
    return { skipped: `the page bundle ${files.page} is missing (build @clicktune/bench first)` };
  }
  const { chromium } = await import('playwright-core');
  const { server, url } = await servePage(files);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true }).catch((error: Error) => error);
  if (browser instanceof Error) {
    server.close();
    return { skipped: `Chromium at ${executablePath} did not start: ${browser.message.split('\n')[0]}` };
  }
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.exposeFunction('clickTuneProgress', (message: string) => onProgress(`chromium: ${message}`));
    await page.goto(url);
    await page
      .waitForFunction(() => typeof globalThis.clickTuneBench === 'function', undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`the bench page did not load${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
      });
    return { value: await work(page) };
  } finally {
    await browser.close();
    server.close();
  }
}

const inChromium = (name: string) => `${name} (chromium)`;

/**
 * Runs the same workloads in headless Chromium (webgpu, webgl, wasm by
 * default) and returns the page's run with every backend suffixed
 * ` (chromium)`, or why it could not run.
 */
export async function runInChromium(options: Omit<BenchmarkOptions, 'onProgress'>, onProgress: (message: string) => void): Promise<{ run: BenchmarkRun } | { skipped: string }> {
  const result = await withBenchPage(
    (page) => page.evaluate((pageOptions) => globalThis.clickTuneBench(pageOptions), { ...options, backends: options.backends ?? BROWSER_BACKENDS }),
    onProgress,
  );
  if ('skipped' in result) return result;
  const run = result.value;
  return {
    run: {
      ...run,
      backends: run.backends.map((backend) => ({ ...backend, name: inChromium(backend.name) })),
      measurements: run.measurements.map((measurement) => ({ ...measurement, backend: inChromium(measurement.backend) })),
    },
  };
}

/** The registry's view from inside headless Chromium (`clicktune backends --chromium`): every backend, probed in the page. */
export async function describeInChromium(): Promise<{ browser: string; backends: BackendDescription[] } | { skipped: string }> {
  const result = await withBenchPage(
    async (page) => ({ browser: await page.evaluate(() => navigator.userAgent), backends: await page.evaluate(() => globalThis.clickTuneDescribe()) }),
    () => undefined,
  );
  if ('skipped' in result) return result;
  return { browser: browserName(result.value.browser), backends: result.value.backends.map((backend) => ({ ...backend, name: inChromium(backend.name) })) };
}

/** One run: the Node rows, then the Chromium rows, with the browser recorded in the environment. */
export function mergeRuns(node: BenchmarkRun, browser: BenchmarkRun): BenchmarkRun {
  return {
    ...node,
    environment: { ...node.environment, browser: browser.environment.browser },
    backends: [...node.backends, ...browser.backends],
    measurements: [...node.measurements, ...browser.measurements],
  };
}
