import { fileURLToPath } from 'node:url';
import { InvalidItemError, ItemsSet, readBinaryFile, readRelevance, type Relevance } from '@clicktune/core';

/** The embedded retrieval tasks (see the package README for their sources). */
export const SAMPLE_NAMES = ['emoji', 'icons', 'capitals'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

export interface SampleMeta {
  readonly name: string;
  readonly dimension: number;
  readonly items: number;
  readonly queries: number;
  readonly judgements: number;
  readonly baseline: { readonly successAt10: number; readonly mrrAt10: number };
  readonly sources: Record<string, { version: string; licence: string }>;
}

/** A retrieval task with human (curated) relevance: catalogue, queries, judgements, and the text behind each item. */
export interface Sample {
  readonly name: string;
  readonly items: ItemsSet;
  readonly queries: ItemsSet;
  readonly relevance: Relevance;
  /** The label (text) of each item id. */
  readonly labels: ReadonlyMap<string, string>;
  readonly meta: SampleMeta;
}

/** The folder of a shipped sample (data/<name> beside this package's dist/ or src/). */
export function sampleFolder(name: SampleName): string {
  return fileURLToPath(new URL(`../data/${name}/`, import.meta.url));
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await readBinaryFile(file))) as T;
}

export function floats(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, index) => view.getFloat32(index * 4, true));
}

/** Reads a sample folder: meta.json, items.json ([{ id, label }]), queries.json ([id]), items.f32, queries.f32, qrels.txt. */
export async function readSampleFolder<Item extends { id: string; label: string }>(
  folder: string,
): Promise<{ meta: SampleMeta; records: Item[]; items: ItemsSet; queries: ItemsSet; relevance: Relevance }> {
  const separator = folder.endsWith('/') || folder.endsWith('\\') ? '' : '/';
  const file = (name: string) => `${folder}${separator}${name}`;
  const meta = await readJson<SampleMeta>(file('meta.json'));
  const records = await readJson<Item[]>(file('items.json'));
  const queryIds = await readJson<string[]>(file('queries.json'));
  const itemMatrix = floats(await readBinaryFile(file('items.f32')));
  const queryMatrix = floats(await readBinaryFile(file('queries.f32')));
  if (records.length !== meta.items || queryIds.length !== meta.queries) {
    throw new InvalidItemError(`the sample's files disagree with meta.json (${records.length} items, ${queryIds.length} queries)`, { location: { file: folder } });
  }
  return {
    meta,
    records,
    items: ItemsSet.fromEmbeddings(
      records.map((record) => record.id),
      itemMatrix,
      meta.dimension,
    ),
    queries: ItemsSet.fromEmbeddings(queryIds, queryMatrix, meta.dimension, { what: 'query' }),
    relevance: await readRelevance(file('qrels.txt')),
  };
}

/** Loads one of the embedded samples (Node). */
export async function loadSample(name: SampleName): Promise<Sample> {
  if (!SAMPLE_NAMES.includes(name)) throw new InvalidItemError(`unknown sample ${JSON.stringify(name)}: the embedded samples are ${SAMPLE_NAMES.join(', ')}`);
  const { meta, records, items, queries, relevance } = await readSampleFolder(sampleFolder(name));
  return { name, items, queries, relevance, labels: new Map(records.map((record) => [record.id, record.label])), meta };
}
