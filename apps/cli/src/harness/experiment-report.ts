import type { ExperimentResult, VariantRun } from './experiment';

interface Row {
  task: string;
  name: string;
  decisions: string[];
  dev: number[];
  ndcg: number[];
  mrr: number[];
  recall: number[];
  explorationShare: number;
  shownDcg: number[];
}

function rows(result: ExperimentResult, task?: string): Row[] {
  const byName = new Map<string, Row>();
  for (const run of result.runs.filter((entry) => task === undefined || entry.task === task)) {
    const key = `${run.task}\u0000${run.variant.name}`;
    const row = byName.get(key) ?? {
      task: run.task,
      name: run.variant.name,
      decisions: [],
      dev: [],
      ndcg: [],
      mrr: [],
      recall: [],
      explorationShare: run.explorationShare,
      shownDcg: [],
    };
    if (run.decisions.length > 0) row.decisions.push(run.decisions.map((decision) => (decision.deploy ? 'D' : 'k')).join(''));
    row.ndcg.push(run.heldOut.ndcg);
    if (run.dev !== null) row.dev.push(run.dev);
    row.mrr.push(run.heldOut.mrr);
    row.recall.push(run.heldOut.recall);
    if (run.shownDcg !== null) row.shownDcg.push(run.shownDcg);
    byName.set(key, row);
  }
  return [...byName.values()];
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const deviation = (values: number[]) => Math.sqrt(mean(values.map((value) => (value - mean(values)) ** 2)));

/**
 * Per task, variants × seeds: held-out NDCG@10 per seed, mean ± sd, change
 * relative to the base per seed (mean, worst), and the gate's decisions per
 * seed (one letter a round: D deployed, k kept the model in service).
 */
export function experimentTable(result: ExperimentResult): string {
  return result.tasks.map((task) => `### ${task}\n\n${taskTable(result, task)}`).join('\n');
}

function taskTable(result: ExperimentResult, task: string): string {
  const all = rows(result, task);
  const base = all.find((row) => row.name.startsWith('base'));
  const header = [
    'variant',
    ...result.seeds.map((seed) => `seed ${seed}`),
    'NDCG@10 mean ± sd',
    'vs base (mean / worst seed)',
    'dev NDCG@10',
    'MRR@10',
    'Recall@10',
    'gate per seed',
    'explored slots',
    'DCG@10 users saw',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of all) {
    const relative = base ? row.ndcg.map((value, index) => value / (base.ndcg[index] as number) - 1) : [];
    lines.push(
      `| ${row.name} | ${row.ndcg.map((value) => value.toFixed(4)).join(' | ')} | ${mean(row.ndcg).toFixed(4)} ± ${deviation(row.ndcg).toFixed(4)} | ${
        base ? `${(mean(relative) * 100).toFixed(1)}% / ${(Math.min(...relative) * 100).toFixed(1)}%` : '—'
      } | ${row.dev.length > 0 ? mean(row.dev).toFixed(4) : '—'} | ${mean(row.mrr).toFixed(4)} | ${mean(row.recall).toFixed(4)} | ${row.decisions.length > 0 ? row.decisions.join(' ') : '—'} | ${(row.explorationShare * 100).toFixed(0)}% | ${row.shownDcg.length > 0 ? mean(row.shownDcg).toFixed(4) : '—'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Largest drop from the best held-out NDCG over the epochs, per run (the collapse check). */
export function collapse(run: VariantRun): number {
  if (run.curve.length === 0) return 0;
  const best = Math.max(...run.curve);
  return best === 0 ? 0 : 1 - (run.curve.at(-1) as number) / best;
}

/** Mean held-out NDCG@10 per epoch for each trained variant (reported only). */
export function experimentChart(result: ExperimentResult, task: string = result.tasks[0] ?? ''): string {
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2'];
  const trained = rows(result, task).filter((row) => !row.name.startsWith('base'));
  const curves = trained.map((row) => {
    const runs = result.runs.filter((run) => run.task === task && run.variant.name === row.name);
    const length = Math.max(0, ...runs.map((run) => run.curve.length));
    return { name: row.name, values: Array.from({ length }, (_, epoch) => mean(runs.map((run) => run.curve[epoch] ?? run.curve.at(-1) ?? 0))) };
  });
  const values = curves.flatMap((curve) => curve.values);
  const base = rows(result, task).find((row) => row.name.startsWith('base'));
  if (base) values.push(mean(base.ndcg));
  const low = Math.min(...values) * 0.95;
  const high = Math.max(...values) * 1.05;
  const width = 640;
  const height = 320;
  const x = (epoch: number, length: number) => 50 + (length <= 1 ? 0 : (epoch / (length - 1)) * (width - 70));
  const y = (value: number) => 260 - ((value - low) / (high - low || 1)) * 230;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11"><text x="50" y="16" font-size="13">${task}: held-out NDCG@10 per epoch of the last round, mean over seeds (reported only; never used to choose)</text>`,
  ];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = low + ((high - low) * tick) / 4;
    parts.push(
      `<line x1="50" x2="${width - 20}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/><text x="44" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${value.toFixed(3)}</text>`,
    );
  }
  if (base)
    parts.push(
      `<line x1="50" x2="${width - 20}" y1="${y(mean(base.ndcg)).toFixed(1)}" y2="${y(mean(base.ndcg)).toFixed(1)}" stroke="#999" stroke-dasharray="5,4"><title>base embeddings</title></line>`,
    );
  curves.forEach((curve, index) => {
    const points = curve.values.map((value, epoch) => `${x(epoch, curve.values.length).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colors[index % colors.length]}" stroke-width="2" points="${points}"><title>${curve.name}</title></polyline>`);
    parts.push(
      `<rect x="50" y="${276 + index * 0}" width="0" height="0"/><text x="${50 + (index % 2) * 300}" y="${284 + Math.floor(index / 2) * 14}" fill="${colors[index % colors.length]}">■ ${curve.name}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
