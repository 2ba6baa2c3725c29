import type { ItemsSet, Relevance } from '@clicktune/core';
import { readSampleFolder, type SampleMeta, sampleFolder } from './samples';

export type EmojiSampleMeta = SampleMeta;

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
  return sampleFolder('emoji');
}

/** Loads the embedded emoji keyword-search sample (Node). */
export async function loadEmojiSample(folder = emojiSampleFolder()): Promise<EmojiSample> {
  const { meta, records, items, queries, relevance } = await readSampleFolder<{ id: string; emoji: string; label: string }>(folder);
  return { items, queries, relevance, labels: new Map(records.map((record) => [record.id, { emoji: record.emoji, label: record.label }])), meta };
}
