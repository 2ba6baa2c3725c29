import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SeededRandom, writeJsonl, writeSessions } from '@clicktune/core';
import { loadEmojiSample } from '@clicktune/datasets';
import { positionBasedModel, simulateSessions } from '@clicktune/simulate';
import { decodeAdapter } from '@clicktune/tensor';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's example, run as written: its files are made from the emoji
 * sample (simulated clicks on the base top 10), and the only change is where
 * they live.
 */
describe('the README example', () => {
  const folder = mkdtempSync(join(tmpdir(), 'clicktune-learn-readme-'));
  const example = join(import.meta.dirname, '.readme-example.ts');
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(example, { force: true });
  });

  it('learns from click logs and writes what to serve', async () => {
    const sample = await loadEmojiSample();
    const queryIds = sample.queries.ids.slice(0, 400);
    await writeJsonl(
      join(folder, 'items.jsonl'),
      sample.items.ids.map((id) => ({ id, embedding: Array.from(sample.items.embeddingOf(id)) })),
    );
    await writeJsonl(
      join(folder, 'queries.jsonl'),
      queryIds.map((id) => ({ id, embedding: Array.from(sample.queries.embeddingOf(id)) })),
    );
    const unit = (vector: Float32Array) => {
      const norm = Math.hypot(...vector) || 1;
      return Array.from(vector, (value) => value / norm);
    };
    const itemUnits = sample.items.ids.map((id) => unit(sample.items.embeddingOf(id)));
    const top10 = new Map(
      queryIds.map((query) => {
        const q = unit(sample.queries.embeddingOf(query));
        const scored = itemUnits.map((vector, row) => ({
          id: sample.items.ids[row] as string,
          score: vector.reduce((sum, value, index) => sum + value * (q[index] as number), 0),
        }));
        return [query, scored.sort((a, b) => b.score - a.score).slice(0, 10)];
      }),
    );
    const sessions = simulateSessions({
      queries: queryIds,
      sessions: 4000,
      show: (query) => top10.get(query) ?? [],
      grade: (query, item) => sample.relevance.get(query)?.get(item) ?? 0,
      clickModel: positionBasedModel(),
      random: SeededRandom.fromSeed(3),
    });
    await writeSessions(join(folder, 'sessions.jsonl'), sessions);

    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const located = (code as string).replace(/'([a-z]+\.(?:jsonl|safetensors))'/g, (_, name: string) => JSON.stringify(join(folder, name)));
    expect(located).not.toBe(code);
    writeFileSync(example, `${located}\nexport {};\n`);
    const lines: string[] = [];
    const log = console.log;
    console.log = (...values: unknown[]) => lines.push(values.join(' '));
    try {
      await import(/* @vite-ignore */ pathToFileURL(example).href);
    } finally {
      console.log = log;
    }
    expect(lines.join('\n')).toMatch(/^\d+ judged queries, out of fold \(5-fold cross-fitting\), click-judged NDCG@10 .*(deploying the new adapter|keeping the model in service)$/);
    // What it wrote is an adapter that loads.
    const adapter = decodeAdapter(readFileSync(join(folder, 'adapter.safetensors')));
    expect(adapter.inputDimension).toBe(100);
    adapter.dispose();
  });
});
