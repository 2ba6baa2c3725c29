import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describeBackends, selectBackend } from '@clicktune/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './index';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const needsBuild = existsSync(built) ? false : 'needs the built package (pnpm build): a fresh Node process starts the wasm backend from dist/';

/** Starts the built backend in a fresh Node process (one wasm start per process) with these variables given to the selection (not set in the process), multiplies, and exits on its own. */
async function startInChild(environment: Record<string, string>): Promise<{ code: number; output: string }> {
  const script = `
    const { selectBackend } = await import('@clicktune/backends');
    await import(${JSON.stringify(pathToFileURL(built).href)});
    const tf = await import('@tensorflow/tfjs-core');
    try {
      const active = await selectBackend('wasm', ${JSON.stringify(environment)});
      const product = tf.matMul(tf.ones([64, 384]), tf.ones([384, 384]));
      console.log(active.detail + ' | ' + (await product.data())[0]);
    } catch (error) {
      console.log('error: ' + error.message);
    }`;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageRoot,
      env: process.env,
      timeout: 60_000,
    });
    return { code: 0, output: stdout.trim() };
  } catch (error) {
    const failure = error as { code?: number; killed?: boolean; stdout?: string };
    return { code: failure.killed ? -1 : (failure.code ?? -1), output: failure.stdout?.trim() ?? '' };
  }
}

describe('@clicktune/backend-wasm', () => {
  it('registers itself on import and starts tfjs-backend-wasm (wasm files found in Node)', async () => {
    const described = await describeBackends();
    expect(described.find((entry) => entry.name === 'wasm')?.available).toBe(true);
    const active = await selectBackend('wasm', {});
    expect(tf.getBackend()).toBe('wasm');
    expect(active.detail).toMatch(/SIMD (on|off), threads (on|off)/);
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });

  it.skipIf(availableParallelism() < 2)("in Node's main thread, runs the threaded build with one thread per core (at most tfjs's pool of 8)", async () => {
    const active = await selectBackend('wasm', {});
    expect(active.detail).toContain(`threads on (${Math.min(8, availableParallelism())})`);
  });

  it('auto prefers wasm over cpu', async () => {
    expect((await selectBackend(undefined, {})).name).toBe('wasm');
  });
});

describe('@clicktune/backend-wasm threads in Node (a fresh process each)', () => {
  it('CLICKTUNE_WASM_THREADS=2: two threads, the right product, and the process exits by itself', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    // 384 ones times 384 ones: every entry is 384.
    expect(await startInChild({ CLICKTUNE_WASM_THREADS: '2' })).toEqual({ code: 0, output: 'tfjs-backend-wasm 4.22, SIMD on, threads on (2) | 384' });
  });

  it('CLICKTUNE_WASM_THREADS=1: the single-threaded build', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    expect(await startInChild({ CLICKTUNE_WASM_THREADS: '1' })).toEqual({ code: 0, output: 'tfjs-backend-wasm 4.22, SIMD on, threads off | 384' });
  });

  it('a thread count that is not a whole number from 1 to 64 is refused, naming the variable', async (context) => {
    if (needsBuild) return context.skip(needsBuild);
    const { code, output } = await startInChild({ CLICKTUNE_WASM_THREADS: 'two' });
    expect(code).toBe(0);
    expect(output).toMatch(/^error: .*CLICKTUNE_WASM_THREADS: must be a whole number of threads from 1 to 64, got "two"$/);
  });
});
