import { FileAccessError } from './errors';
import type * as NodeFiles from './files';

/**
 * The browser build's stand-in for `files.ts` (same names and types): a page
 * has no file system, so each function fails with a FileAccessError saying
 * what to use instead, and bundlers never see a `node:` module.
 */
function needsNode(what: string): FileAccessError {
  return new FileAccessError(`${what} needs Node's file system; in a browser, parse text with parseJsonl and build sessions with FineTuningInput.create`);
}

export const readJsonlEntries: typeof NodeFiles.readJsonlEntries = (file) => {
  throw needsNode(`reading ${file}`);
};
export const readJsonl: typeof NodeFiles.readJsonl = (file) => {
  throw needsNode(`reading ${file}`);
};
export const readTextLines: typeof NodeFiles.readTextLines = (file) => {
  throw needsNode(`reading ${file}`);
};
export const readBinaryFile: typeof NodeFiles.readBinaryFile = async (file) => {
  throw needsNode(`reading ${file}`);
};
export const writeFileAtomic: typeof NodeFiles.writeFileAtomic = async (file) => {
  throw needsNode(`writing ${file}`);
};
export const writeJsonl: typeof NodeFiles.writeJsonl = async (file) => {
  throw needsNode(`writing ${file}`);
};
export const removeTemporaryFiles: typeof NodeFiles.removeTemporaryFiles = async () => undefined;
