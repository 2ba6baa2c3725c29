import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Measurement } from './measure';
import type { Workload } from './workload';

const run = promisify(execFile);

/** Where the original's method is run from, and how. */
export interface OriginalOptions {
  /** A Python with torch (default: $CLICKTUNE_ORIGINAL_PYTHON, else python3). */
  python: string;
  /** torch.set_num_threads. */
  threads: number;
}

export const ORIGINAL_NAME = 'original';

/** The script beside dist/ (and beside src/ when run from source). */
const SCRIPT = fileURLToPath(new URL('../python/original_method.py', import.meta.url));

/** Whether `python` can import torch; the reason when it cannot, in one line. */
export async function probeOriginal(python: string): Promise<{ available: true; detail: string } | { available: false; detail: string }> {
  try {
    const { stdout } = await run(python, ['-c', 'import torch; print(torch.__version__)'], { timeout: 120_000 });
    return { available: true, detail: `PyTorch ${stdout.trim()} (${python})` };
  } catch (error) {
    const failure = error as { code?: string; stderr?: string; message: string };
    const lastLine = failure.stderr?.trim().split('\n').at(-1);
    return { available: false, detail: `${python}: ${failure.code === 'ENOENT' ? 'not found' : (lastLine ?? failure.message)}` };
  }
}

/** The workload as the script reads it: two float32 matrices and the sessions as row numbers. */
async function writeWorkload(workload: Workload, directory: string): Promise<void> {
  const { items, queries } = workload;
  const sessions = workload.sessions.map((session) => {
    const results = Array.from(items.rowsOf(session.results));
    const clicked = new Set(session.events);
    if (session.query.kind !== 'id') throw new Error('the bench workload names its queries by id');
    return {
      query: queries.rowOf(session.query.id),
      results,
      clicked: session.results.flatMap((id, position) => (clicked.has(id) ? [position] : [])),
    };
  });
  const bytes = (matrix: Float32Array) => new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength);
  await writeFile(join(directory, 'items.f32'), bytes(items.matrix));
  await writeFile(join(directory, 'queries.f32'), bytes(queries.matrix));
  // The bench's extractor options and W1/W2 optimiser (measure.ts): margin 0.1, filter (0, 2), SGD lr 0.01.
  const settings = { dimension: items.dimension, batchSize: workload.shape.batchSize, margin: 0.1, minAbsDifference: 0, maxAbsDifference: 2, learningRate: 0.01 };
  await writeFile(join(directory, 'workload.json'), JSON.stringify({ ...settings, sessions }));
}

/** W3, W1 and W2 of the original's method in PyTorch, on the same workload, in a child process. */
export async function measureOriginal(workload: Workload, options: OriginalOptions & { iterations: number }): Promise<Measurement[]> {
  const directory = await mkdtemp(join(tmpdir(), 'clicktune-original-'));
  try {
    await writeWorkload(workload, directory);
    const { stdout } = await run(options.python, [SCRIPT, directory, '--iterations', String(options.iterations), '--threads', String(options.threads)], {
      maxBuffer: 1 << 20,
    });
    return stdout
      .trim()
      .split('\n')
      .map((line) => {
        const row = JSON.parse(line) as { workload: 'W1' | 'W2' | 'W3'; detail: string; medianMs: number; meanLoss?: number };
        return {
          backend: ORIGINAL_NAME,
          backendDetail: `the original's per-session loops, ${row.detail}`,
          workload: row.workload,
          shape: workload.shape,
          sessionsPerSecond: workload.sessions.length / (row.medianMs / 1000),
          medianMs: row.medianMs,
          samples: options.iterations,
          matmulMs: null,
          rooflineFraction: null,
          peakBytes: null,
          tensorGrowth: null,
          meanLoss: row.meanLoss ?? null,
        };
      });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
