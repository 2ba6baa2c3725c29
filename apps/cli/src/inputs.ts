import { EmptyInputError, type FineTuningInput, ItemsSet, readItemsBinary, readItemsJsonl, readRelevance, readSessionsArray, readTextLines, type Relevance, type SessionWarning } from '@clicktune/core';
import { loadEmojiSample } from '@clicktune/datasets';
import { usageError } from './exit-codes';

/** Where the catalogue, queries and judgements come from: the embedded sample or files. */
export interface DataFlags {
  sample?: string;
  items?: string;
  itemsMatrix?: string;
  itemsIds?: string;
  queries?: string;
  qrels?: string;
}

export interface LoadedData {
  items: ItemsSet;
  queries?: ItemsSet;
  relevance?: Relevance;
  description: string;
}

export async function loadData(flags: DataFlags, need: { queries?: boolean; relevance?: boolean } = {}): Promise<LoadedData> {
  if (flags.sample !== undefined) {
    if (flags.sample !== 'emoji') throw usageError(`unknown sample ${JSON.stringify(flags.sample)}: the embedded sample is "emoji"`, '--sample');
    const sample = await loadEmojiSample();
    return { items: sample.items, queries: sample.queries, relevance: sample.relevance, description: `emoji sample (${sample.items.size} items, ${sample.queries.size} queries)` };
  }
  let items: ItemsSet;
  if (flags.items) items = await readItemsJsonl(flags.items);
  else if (flags.itemsMatrix && flags.itemsIds) items = await readItemsBinary(flags.itemsMatrix, flags.itemsIds);
  else throw usageError('give --items file.jsonl, or --items-matrix with --items-ids, or --sample emoji', '--items');
  const queries = flags.queries ? await readItemsJsonl(flags.queries, { what: 'query' }) : undefined;
  if (need.queries && !queries) throw usageError('give --queries file.jsonl (or --sample emoji)', '--queries');
  const relevance = flags.qrels ? await readRelevance(flags.qrels) : undefined;
  if (need.relevance && !relevance) throw usageError('give --qrels file (TREC qrels or JSONL) or --sample emoji', '--qrels');
  return { items, queries, relevance, description: `${items.size} items${queries ? `, ${queries.size} queries` : ''}` };
}

/** Sessions from a JSONL file or stdin (`-`); warnings (dropped events) go to stderr. */
export async function loadSessions(file: string, options: { dropMissingEvents?: boolean } = {}): Promise<FineTuningInput[]> {
  const sessions = await readSessionsArray(file, {
    missingEvents: options.dropMissingEvents ? 'drop' : 'error',
    onWarning: (warning: SessionWarning) => process.stderr.write(`clicktune: warning: ${warning.location.file}:${warning.location.line}: ${warning.message}\n`),
  });
  // An empty file is a mistake, not a request to train on nothing.
  if (sessions.length === 0) throw new EmptyInputError('no sessions in the file', { location: { file: file === '-' ? 'stdin' : file } });
  return sessions;
}

/** One id per line (e.g. the queries of a split). */
export async function readIdList(file: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const { text } of readTextLines(file)) ids.push(text.trim());
  return ids;
}

export function parseNumber(value: string, flag: string, check: (value: number) => boolean, expectation: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw usageError(`${flag} must be ${expectation}, got ${JSON.stringify(value)}`, flag);
  return parsed;
}

export const positiveInteger = (value: string, flag: string) => parseNumber(value, flag, (number) => Number.isInteger(number) && number > 0, 'a whole number > 0');
export const positiveNumber = (value: string, flag: string) => parseNumber(value, flag, (number) => number > 0, 'a number > 0');

export { ItemsSet };
