import type { Readable } from 'node:stream';
import { ClickTuneError, FileAccessError, InvalidJsonError } from './errors';

/**
 * File IO for Node. `node:` modules are imported lazily, inside the
 * functions, so that bundling `@clicktune/core` for a browser does not pull
 * them in; the parsing functions beside these work on strings anywhere.
 */

/** `-` means standard input (reading) or standard output (writing). */
export const STANDARD_STREAM = '-';

function describeFileError(error: unknown, file: string, verb: string): FileAccessError {
  const code = (error as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOSPC'
            ? 'no space left on the device'
            : `${verb} failed (${code ?? (error as Error).message})`;
  return new FileAccessError(reason, { location: { file }, cause: error });
}

async function openLines(file: string): Promise<AsyncIterable<string>> {
  const { createInterface } = await import('node:readline');
  let input: Readable;
  if (file === STANDARD_STREAM) {
    input = process.stdin;
  } else {
    const { createReadStream } = await import('node:fs');
    const { stat } = await import('node:fs/promises');
    try {
      const info = await stat(file);
      if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    } catch (error) {
      throw describeFileError(error, file, 'reading');
    }
    input = createReadStream(file, { encoding: 'utf8' });
  }
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/** A parsed JSONL line with its 1-based line number. */
export interface JsonlLine {
  readonly line: number;
  readonly value: unknown;
}

/** Parses one JSONL line; throws InvalidJsonError naming file and line. */
export function parseJsonLine(text: string, line: number, file?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(`not valid JSON (${(error as Error).message})`, { location: { file, line }, cause: error });
  }
}

/** Lines of a JSONL text (blank lines skipped), for browsers and tests. */
export function* parseJsonl(text: string, file?: string): Generator<JsonlLine> {
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const content = lines[index] as string;
    if (content.trim() === '') continue;
    yield { line: index + 1, value: parseJsonLine(content, index + 1, file) };
  }
}

/** A JSONL line that parsed, or the error of one that did not. */
export type JsonlEntry = JsonlLine | { readonly line: number; readonly error: InvalidJsonError };

/**
 * Streams a JSONL file line by line, yielding parse errors as entries rather
 * than throwing, so that a reader may report a bad line and go on.
 */
export async function* readJsonlEntries(file: string): AsyncGenerator<JsonlEntry> {
  for await (const { line, text } of readTextLines(file)) {
    try {
      yield { line, value: parseJsonLine(text, line, file) };
    } catch (error) {
      if (error instanceof InvalidJsonError) yield { line, error };
      else throw error;
    }
  }
}

/** Streams a JSONL file (or stdin for `-`) line by line; blank lines are skipped. */
export async function* readJsonl(file: string): AsyncGenerator<JsonlLine> {
  for await (const entry of readJsonlEntries(file)) {
    if ('error' in entry) throw entry.error;
    yield entry;
  }
}

/** Streams the non-blank lines of a text file (or stdin). */
export async function* readTextLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const lines = await openLines(file);
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() !== '') yield { line, text };
    }
  } catch (error) {
    if (ClickTuneError.isInstance(error)) throw error;
    throw describeFileError(error, file, 'reading');
  }
}

/** Reads a whole binary file. */
export async function readBinaryFile(file: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(file);
  } catch (error) {
    throw describeFileError(error, file, 'reading');
  }
}

export type FileContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Writes a file atomically: everything goes to a temporary file in the same
 * folder, which is flushed and renamed over the target only when complete.
 * If anything fails (including an error thrown by the content iterator), the
 * temporary file is removed and the target is left as it was.
 */
export async function writeFileAtomic(file: string, content: FileContent): Promise<void> {
  if (file === STANDARD_STREAM) {
    await writeToStandardOutput(content);
    return;
  }
  const { open, rename, rm } = await import('node:fs/promises');
  const path = await import('node:path');
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.clicktune-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  );
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temporary, 'wx');
    if (typeof content === 'string' || content instanceof Uint8Array) {
      await handle.writeFile(content);
    } else {
      for await (const chunk of content as AsyncIterable<string | Uint8Array>) {
        if (typeof chunk === 'string') await handle.write(chunk);
        else await handle.write(chunk);
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    if (ClickTuneError.isInstance(error)) throw error;
    if ((error as { code?: string }).code === undefined) throw error;
    throw describeFileError(error, file, 'writing');
  }
}

async function writeToStandardOutput(content: FileContent): Promise<void> {
  const write = (chunk: string | Uint8Array) =>
    new Promise<void>((resolve, reject) => process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())));
  if (typeof content === 'string' || content instanceof Uint8Array) return write(content);
  for await (const chunk of content as AsyncIterable<string | Uint8Array>) await write(chunk);
}

/** Writes records as JSONL, atomically (see `writeFileAtomic`). */
export async function writeJsonl(file: string, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  async function* lines() {
    let buffer = '';
    for await (const record of records as AsyncIterable<unknown>) {
      buffer += `${JSON.stringify(record)}\n`;
      count += 1;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer !== '') yield buffer;
  }
  await writeFileAtomic(file, lines());
  return count;
}
