import { InvalidItemError, ItemsSet, readBinaryFile, readRelevance, type Relevance } from '@clicktune/core';

export interface EmojiSampleMeta {
  readonly name: string;
  readonly dimension: number;
  readonly items: number;
  readonly queries: number;
  readonly judgements: number;
  readonly baseline: { readonly successAt10: number; readonly mrrAt10: number };
  readonly sources: Record<string, { version: string; licence: string }>;
}

export interface EmojiSample {
  /** 1,662 non-flag emoji; base embedding = mean GloVe vector of the label's words. */
  readonly items: ItemsSet;
  /** Tags whose words appear in no label (so the task is not lexical); base embedding = mean GloVe vector. */
  readonly queries: ItemsSet;
  /** Human-curated relevance: every emoji carrying the tag (grade 1). */
  readonly relevance: Relevance;
  /** Emoji character and label per item id (hexcode). */
  readonly labels: ReadonlyMap<string, { emoji: string; label: string }>;
  readonly meta: EmojiSampleMeta;
}

/** The folder of the shipped sample (data/emoji beside this package's dist/ or src/). */
export function emojiSampleFolder(): string {
  return new URL('../data/emoji/', import.meta.url).pathname;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await readBinaryFile(file))) as T;
}

function floats(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, index) => view.getFloat32(index * 4, true));
}

/** Loads the embedded emoji keyword-search sample (Node). */
export async function loadEmojiSample(folder = emojiSampleFolder()): Promise<EmojiSample> {
  const meta = await readJson<EmojiSampleMeta>(`${folder}meta.json`);
  const itemRecords = await readJson<Array<{ id: string; emoji: string; label: string }>>(`${folder}items.json`);
  const queryIds = await readJson<string[]>(`${folder}queries.json`);
  const itemMatrix = floats(await readBinaryFile(`${folder}items.f32`));
  const queryMatrix = floats(await readBinaryFile(`${folder}queries.f32`));
  if (itemRecords.length !== meta.items || queryIds.length !== meta.queries) {
    throw new InvalidItemError(`the sample's files disagree with meta.json (${itemRecords.length} items, ${queryIds.length} queries)`, { location: { file: folder } });
  }
  return {
    items: ItemsSet.fromEmbeddings(
      itemRecords.map((record) => record.id),
      itemMatrix,
      meta.dimension,
    ),
    queries: ItemsSet.fromEmbeddings(queryIds, queryMatrix, meta.dimension, { what: 'query' }),
    relevance: await readRelevance(`${folder}qrels.txt`),
    labels: new Map(itemRecords.map((record) => [record.id, { emoji: record.emoji, label: record.label }])),
    meta,
  };
}
