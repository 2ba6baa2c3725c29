import { InvalidJsonError } from './errors';

/** `-` means standard input (reading) or standard output (writing). */
export const STANDARD_STREAM = '-';

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
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const content = lines[index] as string;
    if (content.trim() === '') continue;
    yield { line: index + 1, value: parseJsonLine(content, index + 1, file) };
  }
}

/** A JSONL line that parsed, or the error of one that did not. */
export type JsonlEntry = JsonlLine | { readonly line: number; readonly error: InvalidJsonError };

export type FileContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;
