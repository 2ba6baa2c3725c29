import type { DemoResult } from './demo';
import { keptEpoch } from './harness/experiment';

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[character] as string);

/** A small inline SVG line chart: series of (epoch, value). */
function lineChart(title: string, series: Array<{ name: string; color: string; values: Array<number | null>; dashed?: boolean }>): string {
  const width = 520;
  const height = 240;
  const left = 56;
  const right = 16;
  const top = 28;
  const bottom = 200;
  const all = series.flatMap((entry) => entry.values.filter((value): value is number => value !== null));
  if (all.length === 0) return '';
  let low = Math.min(...all);
  let high = Math.max(...all);
  if (high - low < 1e-9) {
    low -= 0.01;
    high += 0.01;
  }
  const points = Math.max(...series.map((entry) => entry.values.length));
  const x = (index: number) => left + (points <= 1 ? 0 : (index / (points - 1)) * (width - left - right));
  const y = (value: number) => bottom - ((value - low) / (high - low)) * (bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><text x="${left}" y="16" font-size="13">${escapeHtml(title)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = low + ((high - low) * tick) / 4;
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/><text x="${left - 6}" y="${(y(value) + 4).toFixed(1)}" font-size="10" text-anchor="end">${value.toFixed(3)}</text>`,
    );
  }
  for (let index = 0; index < points; index += 1)
    parts.push(`<text x="${x(index).toFixed(1)}" y="${bottom + 16}" font-size="10" text-anchor="middle">${index === 0 ? 'start' : index}</text>`);
  series.forEach((entry, position) => {
    const path = entry.values
      .map((value, index) => (value === null ? null : `${x(index).toFixed(1)},${y(value).toFixed(1)}`))
      .filter(Boolean)
      .join(' ');
    parts.push(`<polyline fill="none" stroke="${entry.color}" stroke-width="2" ${entry.dashed ? 'stroke-dasharray="5,4"' : ''} points="${path}"/>`);
    entry.values.forEach((value, index) => {
      if (value !== null)
        parts.push(
          `<circle cx="${x(index).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3" fill="${entry.color}"><title>${escapeHtml(entry.name)}: ${value.toFixed(4)}</title></circle>`,
        );
    });
    parts.push(
      `<rect x="${left + position * 170}" y="${bottom + 26}" width="10" height="10" fill="${entry.color}"/><text x="${left + position * 170 + 14}" y="${bottom + 35}" font-size="11">${escapeHtml(entry.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const percent = (after: number, before: number) => (before === 0 ? '—' : `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)}%`);

/** The demo's self-contained HTML report (no external resources). */
export function renderDemoReport(result: DemoResult): string {
  const metricRows = (['ndcg', 'mrr', 'recall'] as const)
    .map((metric) => {
      const label = { ndcg: 'NDCG@10', mrr: 'MRR@10', recall: 'Recall@10' }[metric];
      const cells = result.runs.map((run) => `<td>${run.heldOut[metric].toFixed(4)} (${percent(run.heldOut[metric], result.before[metric])})</td>`).join('');
      return `<tr><td>${label}</td><td>${result.before[metric].toFixed(4)}</td>${cells}</tr>`;
    })
    .join('');
  const header = result.runs.map((run) => `<th>${escapeHtml(run.variant.name)}<br><small>${(run.explorationShare * 100).toFixed(0)}% of shown slots explore</small></th>`).join('');
  const colors = ['#4e79a7', '#e15759'];
  const quality = lineChart('held-out NDCG@10 (labels; reported only)', [
    ...result.runs.map((run, index) => ({ name: run.variant.name, color: colors[index % colors.length] as string, values: [result.before.ndcg, ...run.curve] })),
    { name: 'base embeddings', color: '#999', dashed: true, values: [result.before.ndcg, ...(result.runs[0]?.curve ?? []).map(() => result.before.ndcg)] },
  ]);
  const selection = lineChart(
    'selection criterion (clicks only)',
    result.runs.map((run, index) => ({ name: run.variant.name, color: colors[index % colors.length] as string, values: [run.initialSelectionScore, ...run.selectionScores] })),
  );
  const epochRows = (result.runs[0]?.curve ?? [])
    .map(
      (_, epoch) =>
        `<tr><td>${epoch + 1}</td>${result.runs.map((run) => `<td>${run.selectionScores[epoch]?.toFixed(4) ?? '—'}</td><td>${run.curve[epoch]?.toFixed(4) ?? '—'}</td>`).join('')}</tr>`,
    )
    .join('');
  const settings = Object.entries({ ...result.settings, training: result.training })
    .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(typeof value === 'object' ? JSON.stringify(value) : String(value))}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ClickTune demo report: ${escapeHtml(result.task)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}.note{background:#fff8e1;border-left:4px solid #f2b01e;padding:0.6em 1em}.charts{display:flex;flex-wrap:wrap;gap:1em}</style>
</head><body>
<h1>ClickTune demo: ${escapeHtml(result.task)}</h1>
<p class="note">The clicks are <strong>simulated</strong> (a position-based click model) over <strong>real relevance judgements</strong> (${escapeHtml(result.task)}). Quality is measured on <strong>held-out queries</strong> that no click came from, against the human labels; those labels are used only for this report. The weights kept are chosen by clicks alone, and the deployment gate lets a new adapter replace the model in service only when its gain on held-out validation queries is positive with confidence.</p>
<p>${result.sample.items} items, ${result.sample.queries} queries: ${result.sample.trainQueries} train / ${result.sample.testQueries} test. ${result.settings.sessions} simulated sessions per run, logged in ${result.settings.rounds} round${result.settings.rounds === 1 ? '' : 's'} (each round after the first is served by the model the previous round kept; the curves below are the last round's). Backend: ${escapeHtml(result.backend.name)} (${escapeHtml(result.backend.detail)}). Run time ${result.seconds.toFixed(1)} s.</p>
<h2>Held-out queries, full-catalogue retrieval</h2>
<table><tr><th>metric</th><th>base embeddings</th>${header}</tr>${metricRows}</table>
<p>${result.runs.map((run) => `${escapeHtml(run.variant.name)}: kept ${keptEpoch(run) === 0 ? (run.rounds > 1 ? 'the model already in service (no epoch of the retrained one beat it on the clicks-only criterion)' : 'the untrained model (no epoch beat it on the clicks-only criterion, so nothing changed)') : `epoch ${keptEpoch(run)}${run.rounds > 1 ? ` of round ${run.rounds}` : ''}`}.`).join(' ')} Selection criterion: click-judged NDCG@10 of held-out training queries — their shown items that clicks judge (relevant: click-model attractiveness ≥ 0.5 and ≥ 2 clicks; not relevant: examined ≥ ${result.training.minExamination} times in expectation without that), re-ranked by the model (clicks only).</p>
<h2>The deployment gate</h2>
<ul>${result.runs.flatMap((run) => run.decisions.map((decision, round) => `<li>${escapeHtml(run.variant.name)}, round ${round + 1}: <strong>${decision.deploy ? 'deployed' : 'kept the model in service'}</strong> — ${escapeHtml(decision.reason)}</li>`)).join('')}</ul>
<div class="charts">${quality}${selection}</div>
<h2>Per epoch</h2>
<table><tr><th>epoch</th>${result.runs.map((run) => `<th>${escapeHtml(run.variant.name)}: selection (clicks)</th><th>held-out NDCG@10 (labels, reported only)</th>`).join('')}</tr>${epochRows}</table>
<h2>Settings</h2><table>${settings}</table>
</body></html>
`;
}
