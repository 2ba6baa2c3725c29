import type { Readable } from 'node:stream';
import { ClickTuneError, FileAccessError, InvalidJsonError } from './errors';
import { type FileContent, type JsonlEntry, type JsonlLine, parseJsonLine, STANDARD_STREAM } from './jsonl';

/**
 * File IO for Node. Bundlers resolve `@clicktune/core` to its browser build,
 * where `files.browser.ts` stands in for this module, so a page never pulls
 * in `node:` modules; the JSONL parsing in `jsonl.ts` works anywhere.
 */

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

async function openInput(file: string): Promise<Readable> {
  if (file === STANDARD_STREAM) return process.stdin;
  const { createReadStream } = await import('node:fs');
  const { stat } = await import('node:fs/promises');
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
  } catch (error) {
    throw describeFileError(error, file, 'reading');
  }
  return createReadStream(file);
}

/**
 * Splits a byte stream on LF (a CR before it is dropped) and decodes each
 * line as strict UTF-8, so that a bad byte is an error naming its line
 * instead of a silent U+FFFD. A byte-order mark at the start is skipped.
 */
async function* decodedLines(input: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 0;
  const decode = (bytes: Uint8Array): string => {
    line += 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    let start = 0;
    if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    try {
      return decoder.decode(bytes.subarray(start, Math.max(start, end)));
    } catch (error) {
      throw new InvalidJsonError('not valid UTF-8 text', { location: { file: file === STANDARD_STREAM ? 'stdin' : file, line }, cause: error });
    }
  };
  // Pieces of a line not yet ended, joined once when its LF arrives (a long line costs one copy, not one per chunk).
  let pending: Uint8Array[] = [];
  const join = (tail: Uint8Array): Uint8Array => {
    if (pending.length === 0) return tail;
    const joined = Buffer.concat([...pending, tail]);
    pending = [];
    return joined;
  };
  for await (const chunk of input) {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      yield decode(join(chunk.subarray(start, end)));
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield decode(join(new Uint8Array(0)));
}

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
  const lines = decodedLines(await openInput(file), file);
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

/** Temporary files of writes in progress, so that a signal handler can remove them before the process exits. */
const temporaryFiles = new Set<string>();

/**
 * Removes the temporary files of every atomic write still in progress (their
 * targets stay as they were). For signal handlers and other exits that do
 * not unwind the writes: call it, then exit.
 */
export async function removeTemporaryFiles(): Promise<void> {
  if (temporaryFiles.size === 0) return;
  const { rm } = await import('node:fs/promises');
  await Promise.all([...temporaryFiles].map((file) => rm(file, { force: true }).catch(() => undefined)));
  temporaryFiles.clear();
}

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
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.clicktune-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  temporaryFiles.add(temporary);
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
    temporaryFiles.delete(temporary);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    temporaryFiles.delete(temporary);
    if (ClickTuneError.isInstance(error)) throw error;
    if ((error as { code?: string }).code === undefined) throw error;
    throw describeFileError(error, file, 'writing');
  }
}

async function writeToStandardOutput(content: FileContent): Promise<void> {
  const write = (chunk: string | Uint8Array) => new Promise<void>((resolve, reject) => process.stdout.write(chunk, (error) => (error ? reject(error) : resolve())));
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
