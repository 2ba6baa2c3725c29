// One point of the recipe workload, in its own process so that its peak
// memory is its own: ingest a sessions file, then the clicktune recipe's one
// round (click model, lists, judgements, cross-fitted training, selection,
// gate). Prints one JSON line. Arguments: log file, engine (stream | duckdb | parquet), backend (or auto),
// catalogue items and dimension (`recipeTask`), worker threads for the folds.
import '@clicktune/backend-node';
import '@clicktune/backend-wasm';
import { selectTensorBackend } from '@clicktune/backends';
import { readSessions } from '@clicktune/core';
import { readClickLog } from '@clicktune/duckdb';
import { ClickCounts, fineTune } from '@clicktune/learn';
import { threadedFolds } from '@clicktune/learn/threads';
import { RECIPE_ENGINES, type RecipeEngine, WAREHOUSE_COLUMNS } from './recipe';
import { recipeTask } from './recipe-task';

const [file, engine = 'stream', backendName = 'auto', items, dimension, workers = '1'] = process.argv.slice(2);
if (!file || !RECIPE_ENGINES.includes(engine as RecipeEngine)) throw new Error('usage: recipe-child <log file> [stream|duckdb|parquet] [backend|auto] [items] [dimension]');
const backend = await selectTensorBackend(backendName === 'auto' ? undefined : backendName);
const sample = await recipeTask({ items: items ? Number(items) : undefined, dimension: dimension ? Number(dimension) : undefined });
const seconds = (from: number) => (performance.now() - from) / 1000;
const started = performance.now();
const clicks =
  engine === 'stream'
    ? await ClickCounts.fromStream(readSessions(file))
    : (await readClickLog(file, engine === 'parquet' ? { columns: WAREHOUSE_COLUMNS, firstPosition: 1 } : {})).counts;
const ingest = seconds(started);
let planned = 0;
const labelsStarted = performance.now();
const foldRunner =
  Number(workers) > 1
    ? threadedFolds({ workers: Number(workers), backend: backend.name, setup: ['@clicktune/backend-node', '@clicktune/backend-wasm'].map((name) => import.meta.resolve(name)) })
    : undefined;
const run = await fineTune({ clicks, items: sample.items, queries: sample.queries, foldRunner, onPlan: () => void (planned = performance.now()) });
const labels = (planned - labelsStarted) / 1000;
const training = seconds(planned);
run.adapter.dispose();
console.log(
  JSON.stringify({
    backend: backend.name,
    workers: Number(workers),
    engine,
    sessions: clicks.sessions,
    cells: clicks.size,
    trainingLists: run.trainingLists,
    ingestSeconds: ingest,
    labelsSeconds: labels,
    trainingSeconds: training,
    totalSeconds: seconds(started),
    peakMemoryMB: process.resourceUsage().maxRSS / 1024,
    deployed: run.decision.deploy,
    gain: run.decision.comparison?.gain ?? null,
  }),
);
