import type { Measurement } from './measure';
import type { BenchmarkRun } from './run';

function shapeLabel(measurement: Measurement): string {
  const shape = measurement.shape;
  return `${shape.sessions}×${shape.results} d${shape.dimension}`;
}

function key(measurement: Measurement): string {
  return `${measurement.backend}|${measurement.workload}|${shapeLabel(measurement)}`;
}

const number = (value: number | null, digits = 0) => (value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

const ORIGINAL = 'original';

/** Whether the run measured the original's method (then the tables show every row's ratio to it). */
function hasOriginal(run: BenchmarkRun): boolean {
  return run.measurements.some((measurement) => measurement.backend === ORIGINAL);
}

/** Rows for the terminal and Markdown tables, with the ratio to the original in the same run, and to a baseline run when given. */
export function tableRows(run: BenchmarkRun, baseline?: BenchmarkRun): string[][] {
  const before = new Map((baseline?.measurements ?? []).map((measurement) => [key(measurement), measurement]));
  const originals = new Map(
    run.measurements
      .filter((measurement) => measurement.backend === ORIGINAL)
      .map((measurement) => [`${measurement.workload}|${shapeLabel(measurement)}`, measurement.sessionsPerSecond]),
  );
  return run.measurements.map((measurement) => {
    const previous = before.get(key(measurement));
    const original = originals.get(`${measurement.workload}|${shapeLabel(measurement)}`);
    return [
      measurement.backend,
      measurement.workload,
      shapeLabel(measurement),
      number(measurement.sessionsPerSecond),
      number(measurement.medianMs, 1),
      measurement.rooflineFraction === null ? '—' : measurement.rooflineFraction.toFixed(2),
      measurement.peakBytes === null ? '—' : `${(measurement.peakBytes / 2 ** 20).toFixed(1)} MiB`,
      number(measurement.tensorGrowth),
      ...(originals.size > 0 ? [original ? `${(measurement.sessionsPerSecond / original).toFixed(2)}×` : '—'] : []),
      ...(baseline ? [previous ? `${(measurement.sessionsPerSecond / previous.sessionsPerSecond).toFixed(2)}×` : '—'] : []),
    ];
  });
}

export function tableHeader(withBaseline: boolean, withOriginal = false): string[] {
  return [
    'backend',
    'workload',
    'shape',
    'sessions/s',
    'median ms',
    'roofline',
    'peak',
    'tensor growth',
    ...(withOriginal ? ['vs original'] : []),
    ...(withBaseline ? ['vs baseline'] : []),
  ];
}

export function textTable(run: BenchmarkRun, baseline?: BenchmarkRun): string {
  const rows = [tableHeader(baseline !== undefined, hasOriginal(run)), ...tableRows(run, baseline)];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => (column >= 3 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ');
      return index === 0 ? `${line}\n${widths.map((width) => '─'.repeat(width)).join('  ')}` : line;
    })
    .join('\n');
}

export function markdownTable(run: BenchmarkRun, baseline?: BenchmarkRun): string {
  const header = tableHeader(baseline !== undefined, hasOriginal(run));
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, column) => (column >= 3 ? '---:' : '---')).join('|')}|`];
  for (const row of tableRows(run, baseline)) lines.push(`| ${row.join(' | ')} |`);
  return `${lines.join('\n')}\n\n${run.environment.platform}, ${run.environment.cpus} CPUs, Node ${run.environment.node}, ${run.startedAt}\n`;
}

/** A grouped bar chart (log scale) of sessions/s per backend for each workload of the standard shape. */
export function svgChart(run: BenchmarkRun): string {
  const standard = run.measurements.filter((measurement) => measurement.workload !== 'plan' && measurement.shape === run.measurements[0]?.shape);
  const workloads = [...new Set(standard.map((measurement) => measurement.workload))];
  const backends = [...new Set(standard.map((measurement) => measurement.backend))];
  const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];
  const width = 720;
  const height = 360;
  const left = 70;
  const bottom = 300;
  const top = 40;
  const maximum = Math.max(10, ...standard.map((measurement) => measurement.sessionsPerSecond));
  const logMax = Math.ceil(Math.log10(maximum));
  const y = (value: number) => bottom - (Math.log10(Math.max(1, value)) / logMax) * (bottom - top);
  const groupWidth = (width - left - 20) / Math.max(1, workloads.length);
  const barWidth = (groupWidth - 20) / Math.max(1, backends.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${left}" y="22" font-size="14">sessions/s per backend (log scale) — ${run.environment.cpus} CPUs, Node ${run.environment.node}</text>`,
  ];
  for (let power = 0; power <= logMax; power += 1) {
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y(10 ** power)}" y2="${y(10 ** power)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(10 ** power) + 4}" text-anchor="end">${(10 ** power).toLocaleString('en-US')}</text>`);
  }
  workloads.forEach((workload, group) => {
    const x0 = left + group * groupWidth + 10;
    backends.forEach((backend, index) => {
      const measurement = standard.find((entry) => entry.workload === workload && entry.backend === backend);
      if (!measurement) return;
      const x = x0 + index * barWidth;
      const top = y(measurement.sessionsPerSecond);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${(bottom - top).toFixed(1)}" fill="${palette[index % palette.length]}"><title>${backend} ${workload}: ${Math.round(measurement.sessionsPerSecond)} sessions/s</title></rect>`,
      );
      parts.push(
        `<text x="${(x + (barWidth - 4) / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${Math.round(measurement.sessionsPerSecond)}</text>`,
      );
    });
    parts.push(`<text x="${(x0 + (groupWidth - 20) / 2).toFixed(1)}" y="${bottom + 18}" text-anchor="middle">${workload}</text>`);
  });
  backends.forEach((backend, index) => {
    parts.push(`<rect x="${left + index * 110}" y="${bottom + 34}" width="12" height="12" fill="${palette[index % palette.length]}"/>`);
    parts.push(`<text x="${left + index * 110 + 16}" y="${bottom + 44}">${backend}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The --quick contract: numbers from every benchmarked backend, and W3 losses that agree with the reference to 1e-4. */
export function checkQuickRun(run: BenchmarkRun): string[] {
  const problems: string[] = [];
  const reference = run.measurements.find((measurement) => measurement.backend === 'reference' && measurement.workload === 'W3');
  for (const backend of run.backends.filter((entry) => entry.benchmarked)) {
    const own = run.measurements.filter((measurement) => measurement.backend === backend.name);
    if (own.length === 0) problems.push(`${backend.name} produced no numbers`);
    for (const measurement of own) {
      if (!(measurement.sessionsPerSecond > 0)) problems.push(`${backend.name} ${measurement.workload}: ${measurement.sessionsPerSecond} sessions/s`);
      if (measurement.workload === 'W3' && reference && Math.abs((measurement.meanLoss ?? Number.NaN) - (reference.meanLoss ?? Number.NaN)) > 1e-4) {
        problems.push(`${backend.name} W3 mean loss ${measurement.meanLoss} differs from the reference's ${reference.meanLoss}`);
      }
    }
  }
  return problems;
}
