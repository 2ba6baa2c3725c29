import { type BackendDescription, describeBackends, selectTensorBackend } from '@clicktune/backends';
import type { ConfidenceCalculatorOption } from '@clicktune/confidence';
import { ClickTuneError, type FineTuningInput, SeededRandom, writeFileAtomic, writeJsonl } from '@clicktune/core';
import { type ClickCounts, DEFAULT_SETTINGS, fineTune, type LearnSettingsInput, PAIRWISE_DEFAULTS, resolveSettings } from '@clicktune/learn';
import { explorationSlots, noExploration } from '@clicktune/explore';
import { type ClickModelName, resolveClickModel, streamSessions } from '@clicktune/simulate';
import {
  disposeTensorFeatures,
  evaluateRetrieval,
  FeaturesExtractor,
  LinearAdapter,
  loadAdapter,
  loadFoldAdapters,
  retrieveTopK,
  saveAdapter,
  saveFoldAdapters,
  toFeatures,
} from '@clicktune/tensor';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { foldRunnerOf, parseWorkers } from '../backend-packages';
import { runDemo } from '../demo';
import { EXPERIMENT_DEFAULTS, type ExperimentSettings, keptEpoch, type Task, VARIANTS } from '../harness/experiment';
import { EXIT_CODES, usageError } from '../exit-codes';
import {
  type DataFlags,
  ensureFolder,
  type ClickLogReading,
  loadClickCounts,
  loadData,
  loadSessions,
  loadTasks,
  parseNumber,
  positiveInteger,
  positiveNumber,
  preflightOutput,
  readIdList,
  selectedQueryIds,
  servingModel,
} from '../inputs';
import { trainingProgress } from '../progress';
import { renderDemoReport } from '../report';
import { interruptible } from '../signals';
import { withDataOptions, withRuntimeOptions } from './data-options';

/** 10 million simulated sessions take a few GB in memory; larger runs belong in several files. */
// Sessions are streamed to the file; the limit is the run's time and disk (about 0.5 KB a session), refused up front.
const MAX_SIMULATED_SESSIONS = 100_000_000;

type Flags = DataFlags & { backend?: string; seed: string; json?: boolean };

const out = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};
const info = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
const seedOf = (flags: Flags) => positiveIntegerOrZero(flags.seed, '--seed');

function positiveIntegerOrZero(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw usageError(`${flag} must be a whole number ≥ 0, got ${JSON.stringify(value)}`, flag);
  return parsed;
}

const CONFIDENCES = ['dummy', 'slidingWindow', 'positionBias'];
/** Which towers `--towers` may adapt (train, demo, experiment): checked while the flags are parsed, before any output is made. */
const TOWERS = ['both', 'query', 'item'] as const;

/** Flags that `train` and the harness both take, parsed one way. */
const parseWeightDecay = (value: string) => parseNumber(value, '--weight-decay', (decay) => decay >= 0, 'a finite number ≥ 0');
const parseValidationFraction = (value: string) => parseNumber(value, '--validation-fraction', (fraction) => fraction > 0 && fraction < 1, 'in (0, 1)');
const parseGateConfidence = (value: string) => parseNumber(value, '--gate-confidence', (confidence) => confidence >= 0.5 && confidence < 1, 'in [0.5, 1)');
/** Exploration slot positions, 0-based, comma-separated. */
const parsePositions = (value: string) => value.split(',').map((position) => positiveIntegerOrZero(position.trim(), '--positions'));

function oneOf<const Values extends readonly string[]>(value: string, values: Values, flag: string): Values[number] {
  if (!values.includes(value)) throw usageError(`${flag} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`, flag);
  return value as Values[number];
}

function confidenceOf(value: string): ConfidenceCalculatorOption {
  if (!CONFIDENCES.includes(value)) throw usageError(`--confidence must be one of ${CONFIDENCES.join(', ')}, got ${JSON.stringify(value)}`, '--confidence');
  return value as ConfidenceCalculatorOption;
}

/** The training flags of `train`, mapped onto `@clicktune/learn`'s LearnSettings. */
function withTrainingOptions(command: Command): Command {
  return command
    .option(
      '--method <name>',
      "clicktune: click-model relevance, a listwise loss with negatives beyond the logged lists, the epoch kept by click judgements of held-out queries; pairwise: the original's pairwise loss on clicked × unclicked results",
      DEFAULT_SETTINGS.method,
    )
    .option('--epochs <n>', `epochs (default: ${DEFAULT_SETTINGS.epochs}; pairwise: ${PAIRWISE_DEFAULTS.epochs})`)
    .option('--batch-size <n>', 'sessions per batch', String(DEFAULT_SETTINGS.batchSize))
    .option('--learning-rate <x>', `learning rate (default: ${DEFAULT_SETTINGS.learningRate}; pairwise: ${PAIRWISE_DEFAULTS.learningRate})`)
    .option('--weight-decay <x>', 'decay toward the identity adapter, per step', String(DEFAULT_SETTINGS.weightDecay))
    .option('--optimizer <name>', 'sgd or adam', DEFAULT_SETTINGS.optimizer)
    .option('--confidence <name>', `confidence calculator: ${CONFIDENCES.join(', ')}`, 'dummy')
    .option('--towers <which>', 'adapt both towers, only query or only item', DEFAULT_SETTINGS.towers)
    .option(
      '--patience <n>',
      `stop after n epochs without improvement of the selection criterion (pairwise: the validation loss); 0: off (default: ${DEFAULT_SETTINGS.patience}; pairwise: ${PAIRWISE_DEFAULTS.patience})`,
    )
    .option('--validation-fraction <x>', 'share of training queries held out for validation', String(DEFAULT_SETTINGS.validationFraction))
    .option(
      '--gate-confidence <x>',
      'the deployment gate: a new adapter replaces the model in service only when the lower bound of its gain on the validation queries, at this one-sided confidence, is above 0',
      String(DEFAULT_SETTINGS.gate.confidence),
    )
    .option(
      '--folds <k>',
      `1: one held-out validation split; k ≥ 2: cross-fitting — every query is held out once, so the gate sees k times the evidence (k + 1 trainings; clicktune method) (default: ${DEFAULT_SETTINGS.folds})`,
    )
    .option(
      '--hard-negative-pool <n>',
      `clicktune method, catalogues of more than batch size × n items: look for hard negatives among each query's top n results of the starting model instead of scoring the whole catalogue at every step; 0: always the whole catalogue (default: ${DEFAULT_SETTINGS.hardNegativePool})`,
    )
    .option('--click-threshold <x>', CLICK_THRESHOLD_HELP)
    .option('--min-clicks <n>', MIN_CLICKS_HELP)
    .option('--no-gate', "deploy the kept epoch without the gate (the original's behaviour)")
    .option('--workers <n>', 'with cross-fitting: train the folds in up to n worker threads at a time (auto: one per core; 1: one after another, in this thread)', 'auto');
}

/** How `train` reads its click log (--engine, --map, --first-position), checked before any work. */
function clickLogReading(flags: { sessions: string; engine: string; map?: string; firstPosition: string }, method: string): ClickLogReading {
  if (!['auto', 'duckdb', 'stream'].includes(flags.engine)) throw usageError(`--engine must be auto, duckdb or stream, got ${JSON.stringify(flags.engine)}`, '--engine');
  if (flags.firstPosition !== '0' && flags.firstPosition !== '1')
    throw usageError(`--first-position must be 0 or 1, got ${JSON.stringify(flags.firstPosition)}`, '--first-position');
  const columns: Record<string, string> = {};
  for (const entry of flags.map ? flags.map.split(',') : []) {
    const [field, column, ...rest] = entry.split('=');
    if (!field || !column || rest.length > 0 || !MAPPED_FIELDS.includes(field.trim()))
      throw usageError(`--map: ${JSON.stringify(entry)} is not field=column with field one of ${MAPPED_FIELDS.join(', ')}`, '--map');
    if (Object.hasOwn(columns, field.trim())) throw usageError(`--map names ${field.trim()} twice`, '--map');
    columns[field.trim()] = column.trim();
  }
  const tabular = /\.(parquet|csv|tsv)$/i.test(flags.sessions) || /[*?[]/.test(flags.sessions);
  const engine = flags.engine === 'auto' ? (tabular ? 'duckdb' : 'stream') : (flags.engine as 'duckdb' | 'stream');
  if (engine === 'stream' && tabular) throw usageError(`--engine stream reads sessions JSONL; ${flags.sessions} is read with --engine duckdb`, '--engine');
  if (engine === 'stream' && (flags.map || flags.firstPosition !== '0')) throw usageError('--map and --first-position are for logs read by DuckDB (--engine duckdb)', '--map');
  if (engine === 'duckdb' && method !== 'clicktune')
    throw usageError('the pairwise method trains on whole sessions: give it a sessions JSONL file (DuckDB aggregates logs for the clicktune method)', '--engine');
  if (engine === 'duckdb' && flags.sessions === '-') throw usageError('DuckDB reads files, not stdin: give the file', '--sessions');
  return { engine, columns, firstPosition: flags.firstPosition === '1' ? 1 : 0 };
}

const MAPPED_FIELDS = ['query', 'results', 'events', 'item', 'position', 'clicked', 'session'];

function settingsOf(flags: Record<string, string | boolean>, seed: number): LearnSettingsInput {
  if (!['clicktune', 'pairwise'].includes(flags.method as string)) throw usageError(`--method must be clicktune or pairwise, got ${JSON.stringify(flags.method)}`, '--method');
  if (!['sgd', 'adam'].includes(flags.optimizer as string)) throw usageError(`--optimizer must be sgd or adam, got ${JSON.stringify(flags.optimizer)}`, '--optimizer');
  const towers = oneOf(flags.towers as string, TOWERS, '--towers');
  const methodDefaults = flags.method === 'pairwise' ? PAIRWISE_DEFAULTS : DEFAULT_SETTINGS;
  return {
    method: flags.method as 'clicktune' | 'pairwise',
    epochs: positiveInteger(String(flags.epochs ?? methodDefaults.epochs), '--epochs'),
    batchSize: positiveInteger(flags.batchSize as string, '--batch-size'),
    learningRate: positiveNumber(String(flags.learningRate ?? methodDefaults.learningRate), '--learning-rate'),
    weightDecay: parseWeightDecay(flags.weightDecay as string),
    optimizer: flags.optimizer as 'sgd' | 'adam',
    confidence: confidenceOf(flags.confidence as string),
    towers,
    patience: positiveIntegerOrZero(String(flags.patience ?? methodDefaults.patience), '--patience'),
    validationFraction: parseValidationFraction(flags.validationFraction as string),
    gate: { enabled: flags.gate !== false, confidence: parseGateConfidence(flags.gateConfidence as string) },
    folds: flags.folds === undefined ? undefined : positiveInteger(String(flags.folds), '--folds'),
    hardNegativePool: flags.hardNegativePool === undefined ? undefined : positiveIntegerOrZero(String(flags.hardNegativePool), '--hard-negative-pool'),
    clickLabels: clickLabelsOf(flags as ClickLabelFlags),
    seed,
  };
}

const CLICK_THRESHOLD_HELP = `clicktune method: a (query, result) is relevant when the click model's attractiveness is at least this (default: ${DEFAULT_SETTINGS.clickLabels.threshold})`;
const MIN_CLICKS_HELP = `clicktune method: a (query, result) the click model calls relevant needs at least this many clicks (default: ${DEFAULT_SETTINGS.clickLabels.minClicks})`;

type ClickLabelFlags = { clickThreshold?: string; minClicks?: string };

/** Which pairs the click model calls relevant (--click-threshold, --min-clicks); the recipe's defaults where not given. */
function clickLabelsOf(flags: ClickLabelFlags): LearnSettingsInput['clickLabels'] {
  return {
    threshold: flags.clickThreshold === undefined ? undefined : parseNumber(flags.clickThreshold, '--click-threshold', (value) => value >= 0 && value <= 1, 'a number in [0, 1]'),
    minClicks: flags.minClicks === undefined ? undefined : positiveInteger(flags.minClicks, '--min-clicks'),
  };
}

/** The bench app is optional (it is not published): `bench` and `backends --chromium` need it installed beside the CLI. */
async function benchApp(): Promise<typeof import('@clicktune/bench')> {
  try {
    return await import('@clicktune/bench');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ClickTuneError('backend-unavailable', 'the benchmark app (@clicktune/bench) is not installed: it ships with the ClickTune repository (pnpm bench), not on npm');
  }
}

export function registerCommands(program: Command): void {
  withRuntimeOptions(program.command('backends').description('list every backend: available or not, and why'))
    .option('--chromium', 'also list the backends as a page in headless Chromium sees them (webgpu, webgl, wasm, …)')
    .action(async (flags: Flags & { chromium?: boolean }) => {
      let backends: BackendDescription[] = await describeBackends();
      let note: string | undefined;
      if (flags.chromium) {
        const { describeInChromium } = await benchApp();
        const inPage = await describeInChromium();
        if ('skipped' in inPage) note = `chromium: skipped — ${inPage.skipped}`;
        else {
          backends = [...backends, ...inPage.backends];
          note = `chromium: ${inPage.browser}`;
        }
      }
      if (flags.json) return out(JSON.stringify(backends, null, 2));
      const width = Math.max(...backends.map((backend) => backend.name.length));
      for (const backend of backends) out(`${backend.name.padEnd(width)}  ${backend.available ? 'available  ' : 'unavailable'}  ${backend.detail}`);
      if (note) out(note);
    });

  withRuntimeOptions(
    withDataOptions(program.command('simulate').description('simulate search sessions: the base embeddings’ top k per query, clicks from a click model on the judgements')),
  )
    .requiredOption('--out <file>', 'sessions JSONL to write (atomically; - for stdout)')
    .option('--sessions <n>', 'sessions to simulate', '10000')
    .option('--click-model <name>', 'pbm, cascade or dbn', 'pbm')
    .option('--top-k <n>', 'results shown per session', '10')
    .option('--query-ids <file>', 'only these queries (one id per line), e.g. a training split')
    .option('--examination', 'record each result’s examination probability')
    .option('--adapter <file>', 'the adapter that serves the results (safetensors; default: the base embeddings) — deploy, log, retrain')
    .option('--slots <n>', 'exploration: shown positions that show a result drawn from deeper in the ranking (default 0: none)', '0')
    .option('--depth <n>', 'exploration: draw explored results from the ranks after the fixed ones down to this rank', '20')
    .option('--positions <list>', 'exploration: the 0-based shown positions of the slots (default: the last ones)')
    .action(
      async (
        flags: Flags & {
          out: string;
          sessions: string;
          clickModel: string;
          topK: string;
          queryIds?: string;
          examination?: boolean;
          adapter?: string;
          slots: string;
          depth: string;
          positions?: string;
        },
      ) => {
        const count = positiveInteger(flags.sessions, '--sessions');
        if (count > MAX_SIMULATED_SESSIONS)
          throw usageError(`--sessions must be at most ${MAX_SIMULATED_SESSIONS.toLocaleString('en')} in one run, got ${flags.sessions}`, '--sessions');
        const k = positiveInteger(flags.topK, '--top-k');
        const slots = positiveIntegerOrZero(flags.slots, '--slots');
        const depth = positiveInteger(flags.depth, '--depth');
        const positions = flags.positions === undefined ? undefined : parsePositions(flags.positions);
        if (positions && slots === 0) throw usageError('--positions places exploration slots: give --slots too', '--positions');
        const policy = slots > 0 ? explorationSlots({ k, slots, depth, positions }) : noExploration({ k });
        const clickModel = resolveClickModel(flags.clickModel as ClickModelName);
        await preflightOutput(flags.out);
        await selectTensorBackend(flags.backend);
        const data = await loadData(flags, { queries: true, relevance: true });
        if (k > data.items.size) throw usageError(`--top-k ${k} is more than the ${data.items.size} items`, '--top-k');
        const queryIds = await selectedQueryIds(flags.queryIds, data);
        const serving = await servingModel(flags.adapter, data);
        const lists = await retrieveTopK(
          serving,
          queryIds.map((id) => ({ kind: 'id', id }) as const),
          data.items,
          { k: Math.max(k, slots > 0 ? depth : k) },
        ).finally(() => serving.dispose());
        const listOf = new Map(queryIds.map((id, index) => [id, lists[index] ?? []]));
        const sessions = streamSessions({
          queries: queryIds,
          sessions: count,
          show: (query, stream) => policy.choose(listOf.get(query) ?? [], stream),
          grade: (query, item) => data.relevance?.get(query)?.get(item) ?? 0,
          clickModel,
          random: SeededRandom.fromSeed(seedOf(flags)),
          recordExamination: flags.examination,
        });
        // Streamed to the file as they are drawn: memory does not grow with --sessions.
        let clicks = 0;
        const written = await writeJsonl(
          flags.out,
          (function* counted() {
            for (const session of sessions) {
              clicks += session.events.length;
              yield session;
            }
          })(),
        );
        if (flags.json && flags.out !== '-') out(JSON.stringify({ sessions: written, clicks, policy: policy.name, out: flags.out }));
        else info(`simulated ${written} sessions (${clicks} clicks, ${clickModel.name}, logging ${policy.name}) → ${flags.out}`);
      },
    );

  withRuntimeOptions(withDataOptions(program.command('extract').description('sessions + items (+ adapter) → pair features JSONL')))
    .requiredOption('--sessions <file>', 'sessions JSONL (- for stdin)')
    .requiredOption('--out <file>', 'features JSONL to write (atomically; - for stdout)')
    .option('--adapter <file>', 'adapter weights (safetensors) to rank with; default: base embeddings')
    .option('--confidence <name>', `confidence calculator: ${CONFIDENCES.join(', ')}`, 'dummy')
    .option('--factor <x>', 'negative downsampling factor in (0, 1]', '1')
    .option('--min-difference <x>', 'keep pairs with |pos − neg| above this', '0')
    .option('--max-difference <x>', 'and below this', '1')
    .option('--drop-missing-events', 'drop events that are not among the results (with a warning) instead of failing')
    .action(
      async (
        flags: Flags & {
          sessions: string;
          out: string;
          adapter?: string;
          confidence: string;
          factor: string;
          minDifference: string;
          maxDifference: string;
          dropMissingEvents?: boolean;
        },
      ) => {
        const factor = parseNumber(flags.factor, '--factor', (value) => value > 0 && value <= 1, 'a number in (0, 1]');
        const minDifference = parseNumber(flags.minDifference, '--min-difference', (value) => value >= 0 && value <= 2, 'a number in [0, 2] (a difference of two cosines)');
        const maxDifference = parseNumber(flags.maxDifference, '--max-difference', (value) => value >= 0 && value <= 2, 'a number in [0, 2] (a difference of two cosines)');
        if (maxDifference <= minDifference) throw usageError(`--max-difference (${maxDifference}) must be above --min-difference (${minDifference})`, '--max-difference');
        await preflightOutput(flags.out);
        await selectTensorBackend(flags.backend);
        const data = await loadData(flags);
        const sessions = await loadSessions(flags.sessions, data, { dropMissingEvents: flags.dropMissingEvents });
        const model = await servingModel(flags.adapter, data);
        const extractor = new FeaturesExtractor(model, {
          queries: data.queries,
          confidenceCalculator: confidenceOf(flags.confidence),
          negativeDownsamplingFactor: factor,
          minAbsDifference: minDifference,
          maxAbsDifference: maxDifference,
          seed: seedOf(flags),
        });
        const skipped = new Map<string, number>();
        // Rows are written as each batch of sessions yields them, not gathered first.
        async function* rowsOf(): AsyncGenerator<Record<string, unknown>> {
          for (let start = 0; start < sessions.length; start += 256) {
            const { features, report } = await extractor.forwardAsync(sessions.slice(start, start + 256), data.items);
            for (const entry of report.skipped) skipped.set(entry.reason, (skipped.get(entry.reason) ?? 0) + 1);
            const plain = await toFeatures(features);
            disposeTensorFeatures(features);
            for (const row of plain.toRows()) yield { ...row, session: start + (row.session as number) };
          }
        }
        let pairs: number;
        try {
          pairs = await writeJsonl(flags.out, rowsOf());
        } finally {
          model.dispose();
        }
        const summary = { sessions: sessions.length, pairs, skipped: Object.fromEntries(skipped) };
        if (flags.json && flags.out !== '-') out(JSON.stringify(summary));
        else
          info(
            `${pairs} pairs from ${sessions.length} sessions → ${flags.out}${skipped.size > 0 ? `; sessions without pairs: ${[...skipped].map(([reason, count]) => `${count} ${reason}`).join(', ')}` : ''}`,
          );
      },
    );

  withTrainingOptions(withRuntimeOptions(withDataOptions(program.command('train').description('fine-tune an adapter on sessions → safetensors'))))
    .requiredOption(
      '--sessions <file>',
      'the click log: sessions JSONL (- for stdin), or — clicktune method — Parquet, CSV or JSONL files of sessions or of impressions, or a glob ("logs/*.parquet"), aggregated by DuckDB',
    )
    .option('--engine <name>', 'how the click log is read: auto (DuckDB for Parquet, CSV and globs; a stream for JSONL), duckdb, or stream', 'auto')
    .option('--map <fields>', 'where the log keeps each field, e.g. query=search_term,item=product_id,position=rank,clicked=was_clicked,session=visit_id')
    .option('--first-position <n>', 'the position number of the top result in an impressions log (0 or 1)', '0')
    .requiredOption('--out <file>', 'adapter weights to write (safetensors)')
    .option(
      '--checkpoint <file>',
      'checkpoint written after every epoch and on Ctrl-C (default: <out>.checkpoint; not written when the folds train in worker threads, where the adapter to serve trains beside them — given, it trains after them)',
    )
    .option('--resume', 'continue from the checkpoint')
    .option('--history <file>', 'per-epoch history as JSON')
    .option('--select-with-qrels', 'keep the epoch with the best NDCG@10 on the --qrels judgements instead of the click validation loss')
    .option('--select-query-ids <file>', 'with --select-with-qrels: only these labelled queries (one id per line), e.g. a dev split')
    .option(
      '--in-service <file>',
      'the adapter users are served now (after the first round of the loop): it competes with the epochs, and --out gets it back unless an epoch beats it',
    )
    .option('--in-service-folds <file>', "with --in-service and cross-fitting: that adapter's fold adapters (its run's --folds-out), so it is compared out of fold")
    .option('--folds-out <file>', "with cross-fitting: write the served adapter's fold adapters here, for the next round's --in-service-folds")
    .action(
      async (
        flags: Flags &
          Record<string, string> & {
            sessions: string;
            engine: string;
            map?: string;
            firstPosition: string;
            out: string;
            checkpoint?: string;
            resume?: boolean;
            history?: string;
            selectWithQrels?: boolean;
            selectQueryIds?: string;
            inService?: string;
            inServiceFolds?: string;
            foldsOut?: string;
          },
      ) => {
        if (flags.selectQueryIds && !flags.selectWithQrels) throw usageError('--select-query-ids needs --select-with-qrels', '--select-query-ids');
        const seed = seedOf(flags);
        const settings = settingsOf(flags, seed);
        // Settings are checked together (e.g. learning rate × weight decay) before anything is read.
        const { method, folds } = resolveSettings(settings);
        const logReading = clickLogReading(flags, method);
        const workers = parseWorkers(flags.workers);
        const checkpointPath = flags.checkpoint ?? `${flags.out}.checkpoint`;
        const crossFitted = method === 'clicktune' && folds > 1 && !flags.selectWithQrels;
        if (flags.inServiceFolds && !flags.inService) throw usageError('--in-service-folds needs --in-service', '--in-service-folds');
        if ((flags.inServiceFolds || flags.foldsOut) && !crossFitted)
          throw usageError(
            'fold adapters come from cross-fitting: the clicktune method with --folds ≥ 2 (and no --select-with-qrels)',
            flags.foldsOut ? '--folds-out' : '--in-service-folds',
          );
        // Every output is checked before any work, so a wrong folder costs nothing and leaves nothing.
        for (const file of [flags.out, checkpointPath, ...(flags.history ? [flags.history] : []), ...(flags.foldsOut ? [flags.foldsOut] : [])]) await preflightOutput(file);
        if (flags.resume && !existsSync(checkpointPath)) throw usageError(`--resume: there is no checkpoint at ${checkpointPath}`, '--resume');
        const backend = await selectTensorBackend(flags.backend);
        const data = await loadData(flags, flags.selectWithQrels ? { queries: true, relevance: true } : {});
        // The clicktune method needs only the (query, item, position) counts: the file is streamed into them, no session is kept.
        const log: { clicks: ClickCounts } | { sessions: FineTuningInput[] } =
          method === 'clicktune' ? { clicks: await loadClickCounts(flags.sessions, data, logReading) } : { sessions: await loadSessions(flags.sessions, data) };
        const sessionCount = 'clicks' in log ? log.clicks.sessions : log.sessions.length;
        const inService = flags.inService ? await loadAdapter(flags.inService, { queries: data.queries }) : undefined;
        const inServiceFolds = flags.inServiceFolds ? await loadFoldAdapters(flags.inServiceFolds, { queries: data.queries }) : undefined;
        if (inServiceFolds && inServiceFolds.length !== folds) {
          for (const adapter of inServiceFolds) adapter.dispose();
          inService?.dispose();
          throw usageError(`--in-service-folds has ${inServiceFolds.length} fold adapters; this run has --folds ${folds}`, '--in-service-folds');
        }
        if (inService && crossFitted && !inServiceFolds)
          info(
            'clicktune: warning: the adapter in service is compared in sample (it may have trained on every validation query, which favours keeping it); give its --in-service-folds to compare out of fold',
          );
        info(`training on ${sessionCount} sessions, ${data.description}, backend ${backend.name}`);
        let labelledSelection: { queries: string[]; relevance: NonNullable<typeof data.relevance> } | undefined;
        if (flags.selectWithQrels && data.relevance) {
          const wanted = flags.selectQueryIds ? new Set(await readIdList(flags.selectQueryIds)) : undefined;
          const queries = [...data.relevance.keys()].filter((id) => data.queries?.has(id) && (!wanted || wanted.has(id)));
          if (queries.length === 0) throw usageError('--select-with-qrels: no judged query is among --queries (and --select-query-ids)', '--select-with-qrels');
          labelledSelection = { queries, relevance: data.relevance };
          info(`selecting the kept epoch by NDCG@10 on ${queries.length} labelled queries (qrels), not by clicks`);
        }
        const foldRunner = crossFitted ? foldRunnerOf(workers, backend.name, folds) : undefined;
        // Folds in worker threads train the adapter to serve beside them, with no checkpoint; --checkpoint (or --resume) has it train after them, resumably.
        const checkpointing = !foldRunner?.parallel || flags.checkpoint !== undefined || flags.resume === true;
        const progress = trainingProgress(!flags.json);
        const stop = interruptible(() => info('clicktune: stopping after this step (Ctrl-C again to quit now) …'));
        try {
          const run = await fineTune({
            ...log,
            items: data.items,
            queries: data.queries,
            settings,
            checkpointPath: checkpointing ? checkpointPath : undefined,
            resumeFrom: flags.resume ? checkpointPath : undefined,
            signal: stop.signal,
            labelledSelection,
            inService,
            inServiceFolds,
            keepFolds: flags.foldsOut !== undefined,
            foldRunner,
            onPlan: (plan) => {
              info(
                `method ${settings.method}: ${plan.trainSessions} training sessions (${plan.trainingLists} training lists${settings.method === 'clicktune' ? ', one per query with a click-model relevant result' : ''}), ${plan.validationSessions} validation sessions of ${plan.validationQueries} queries; keeping ${plan.selection}`,
              );
              const dominant = plan.dominantValidationQuery;
              if (dominant)
                info(
                  `clicktune: warning: one validation query (${dominant.query}) has ${dominant.sessions} of the ${plan.validationSessions} validation sessions (${Math.round((100 * dominant.sessions) / plan.validationSessions)}%); the validation figures mostly speak for it`,
                );
            },
            onBatch: progress.onBatch,
            onEpoch: (record) => {
              progress.stop();
              if (!flags.json)
                info(
                  `epoch ${record.epoch + 1}: train loss ${record.trainLoss.toFixed(4)}, validation loss ${record.validationLoss?.toFixed(4) ?? '—'}, validation NDCG@10 (clicked results) ${record.ndcg?.toFixed(4) ?? '—'}${record.selectionScore !== null ? `, selection ${record.selectionScore.toFixed(4)}` : ''}`,
                );
            },
          });
          try {
            if (run.result.interrupted) {
              if (!checkpointing)
                info(
                  'clicktune: interrupted: nothing written (the folds and the adapter to serve were training together; with --checkpoint the adapter trains after the folds, resumably)',
                );
              else if (!existsSync(checkpointPath)) info('clicktune: interrupted before the final training began: nothing to resume, nothing written');
              else info(`clicktune: interrupted; checkpoint at ${checkpointPath} — continue with the same command and --resume`);
              process.exitCode = EXIT_CODES.interrupted;
              return;
            }
            const { decision } = run;
            info(`${decision.deploy ? 'deployed' : 'kept the model in service'}: ${decision.reason}`);
            // What users should be served: the new adapter when the gate let it through, else the model in service (the identity at first).
            const identity =
              decision.deploy || inService
                ? undefined
                : new LinearAdapter({ inputDimension: data.items.dimension, towers: run.settings.towers, residual: run.settings.residual, queries: data.queries });
            const served = decision.deploy ? run.adapter : (inService ?? (identity as LinearAdapter));
            try {
              if (flags.foldsOut) {
                // The served model's folds: the new run's when it deployed, else those of the model kept in service;
                // without them, the kept model itself in every fold (exact for the identity, which trained on nothing).
                const kept = inServiceFolds ?? Array.from({ length: folds }, () => served);
                await saveFoldAdapters(decision.deploy ? (run.foldAdapters ?? []) : kept, flags.foldsOut, { seed: String(seed) });
              }
              await saveAdapter(served, flags.out, { trainedOn: String(sessionCount), seed: String(seed), deployed: String(decision.deploy) });
            } finally {
              identity?.dispose();
            }
            if (flags.history) await writeFileAtomic(flags.history, `${JSON.stringify(run.result.history, null, 2)}\n`);
            // The run finished: the default checkpoint has served its purpose (one named with --checkpoint is the user's).
            if (!flags.checkpoint) await rm(checkpointPath, { force: true });
            if (flags.json)
              out(
                JSON.stringify({
                  out: flags.out,
                  method: settings.method,
                  selection: run.selection,
                  inServiceScore: run.inServiceScore,
                  deployed: decision.deploy,
                  decision,
                  history: run.result.history,
                  stoppedEarly: run.result.stoppedEarly,
                }),
              );
            else
              info(
                `${decision.deploy ? 'new adapter' : inService ? 'the adapter in service, unchanged,' : 'the identity adapter (base embeddings)'} → ${flags.out}${run.result.stoppedEarly ? ' (stopped early; best validation weights kept)' : ''}`,
              );
          } finally {
            run.adapter.dispose();
            for (const adapter of run.foldAdapters ?? []) adapter.dispose();
          }
        } catch (error) {
          // A run that failed (not one that was stopped) leaves no default checkpoint of itself behind.
          if (!flags.checkpoint && !flags.resume) await rm(checkpointPath, { force: true });
          throw error;
        } finally {
          inService?.dispose();
          for (const adapter of inServiceFolds ?? []) adapter.dispose();
          progress.stop();
          stop.release();
        }
      },
    );

  withRuntimeOptions(
    withDataOptions(
      program
        .command('evaluate')
        .description(
          'full-catalogue retrieval quality against judgements: MRR@k, NDCG@k (gain 2^grade − 1, discount log2(rank + 1): ranx ndcg_burges, not trec_eval ndcg_cut), Recall@k',
        ),
    ),
  )
    .option('--adapter <file>', 'adapter weights (safetensors); default: base embeddings')
    .option('--query-ids <file>', 'only these queries (one id per line), e.g. a test split')
    .option('--k <n>', 'cut-off', '10')
    .option('--per-query', 'every query\'s figures too: TSV rows (query, MRR, NDCG, Recall) then "all", or "perQuery" in --json')
    .option('--run <file>', 'also write the top k per query as a TREC run ("query Q0 item rank score clicktune"), for trec_eval or ranx')
    .action(async (flags: Flags & { adapter?: string; queryIds?: string; k: string; perQuery?: boolean; run?: string }) => {
      const k = positiveInteger(flags.k, '--k');
      if (flags.run) await preflightOutput(flags.run);
      await selectTensorBackend(flags.backend);
      const data = await loadData(flags, { queries: true, relevance: true });
      const queryIds = await selectedQueryIds(flags.queryIds, data);
      const model = await servingModel(flags.adapter, data);
      try {
        const metrics = await evaluateRetrieval(model, queryIds, data.relevance ?? new Map(), data.items, { k });
        if (flags.run) {
          const lists = await retrieveTopK(
            model,
            queryIds.map((id) => ({ kind: 'id', id }) as const),
            data.items,
            { k },
          );
          const lines = lists.flatMap((list, row) => list.map((entry, rank) => `${queryIds[row]} Q0 ${entry.id} ${rank + 1} ${entry.score} clicktune\n`));
          await writeFileAtomic(flags.run, lines.join(''));
        }
        const perQuery = metrics.perQuery.map((figures, row) => ({ query: queryIds[row] as string, mrr: figures.mrr, ndcg: figures.ndcg, recall: figures.recall }));
        const summary = { queries: queryIds.length, k, mrr: metrics.mrr, ndcg: metrics.ndcg, recall: metrics.recall, ...(flags.perQuery ? { perQuery } : {}) };
        if (flags.json) return out(JSON.stringify(summary));
        if (flags.perQuery) {
          out(`query\tMRR@${k}\tNDCG@${k}\tRecall@${k}`);
          for (const row of [...perQuery, { query: 'all', mrr: metrics.mrr, ndcg: metrics.ndcg, recall: metrics.recall }])
            out(`${row.query}\t${row.mrr.toFixed(4)}\t${row.ndcg.toFixed(4)}\t${row.recall.toFixed(4)}`);
          return;
        }
        out(`${queryIds.length} queries: MRR@${k} ${metrics.mrr.toFixed(4)}  NDCG@${k} ${metrics.ndcg.toFixed(4)}  Recall@${k} ${metrics.recall.toFixed(4)}`);
      } finally {
        model.dispose();
      }
    });

  withHarnessOptions(
    withRuntimeOptions(
      withDataOptions(
        program
          .command('demo')
          .description(
            'the whole loop on a task (the embedded emoji sample, another --sample, or --items/--queries/--qrels): simulate clicks with and without exploration, fine-tune, gate, compare on held-out queries',
          ),
      ),
    ),
  )
    .option('--report <file>', 'HTML report to write', 'clicktune-demo-report.html')
    .action(async (flags: Flags & HarnessFlags & { report: string }) => {
      const settings = harnessSettingsOf(flags);
      const workers = parseWorkers(flags.workers);
      const [task] = await loadTasks(flags, ['emoji']);
      if (flags.sample?.includes(',')) throw usageError('the demo runs on one task: give one --sample', '--sample');
      await preflightOutput(flags.report);
      const result = await runDemo({ backend: flags.backend, seed: seedOf(flags), task: task as Task, settings, workers, log: flags.json ? undefined : info });
      await writeFileAtomic(flags.report, renderDemoReport(result));
      if (flags.json) return out(JSON.stringify({ ...result, report: flags.report }));
      out(`Clicks are SIMULATED (position-based model) over REAL relevance judgements (${result.task}).`);
      out(`backend: ${result.backend.name} (${result.backend.detail})\n`);
      out(`${result.settings.sessions} sessions per variant in ${result.settings.rounds} round(s); round r > 1 is served by round r − 1's kept model; epochs of the last round:`);
      out(`epoch  ${result.runs.map((run) => `${run.variant.name}: selection (clicks) | held-out NDCG@10`).join('  ||  ')}`);
      for (let epoch = 0; epoch < (result.runs[0]?.curve.length ?? 0); epoch += 1) {
        out(
          `${String(epoch + 1).padStart(5)}  ${result.runs.map((run) => `${(run.selectionScores[epoch]?.toFixed(4) ?? '—').padStart(10)} | ${(run.curve[epoch]?.toFixed(4) ?? '—').padStart(6)}`).join('  ||  ')}`,
        );
      }
      out(`\nheld-out queries (${result.sample.testQueries}), full catalogue, human labels (reported only; the kept epoch is chosen by clicks):`);
      const change = (after: number, before: number) => `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)}%`;
      out(`  base embeddings: NDCG@10 ${result.before.ndcg.toFixed(4)}  MRR@10 ${result.before.mrr.toFixed(4)}  Recall@10 ${result.before.recall.toFixed(4)}`);
      for (const run of result.runs) {
        const kept = keptEpoch(run);
        out(
          `  ${run.variant.name} (${(run.explorationShare * 100).toFixed(0)}% of shown slots explore${run.explorationShare > 0 ? ` — ${run.loggingPolicy}` : ''}; users saw mean DCG@10 ${run.shownDcg?.toFixed(4) ?? '—'}; kept ${kept === 0 ? (run.rounds > 1 ? 'the model already in service' : 'the untrained model') : `epoch ${kept}${run.rounds > 1 ? ` of round ${run.rounds}` : ''}`}): NDCG@10 ${run.heldOut.ndcg.toFixed(4)} (${change(run.heldOut.ndcg, result.before.ndcg)})  MRR@10 ${run.heldOut.mrr.toFixed(4)} (${change(run.heldOut.mrr, result.before.mrr)})  Recall@10 ${run.heldOut.recall.toFixed(4)} (${change(run.heldOut.recall, result.before.recall)})`,
        );
      }
      out('\nthe deployment gate (a new adapter replaces the model in service only with a gain that is positive with confidence on held-out validation queries):');
      for (const run of result.runs)
        for (const [round, decision] of run.decisions.entries())
          out(`  ${run.variant.name}, round ${round + 1}: ${decision.deploy ? 'DEPLOYED' : 'KEPT the model in service'} — ${decision.reason}`);
      out(`\nreport: ${flags.report}   (${result.seconds.toFixed(1)} s)`);
    });

  program
    .command('bench')
    .description('benchmark every backend (see `clicktune-bench --help` for all options)')
    .option('--quick', 'the CI-sized run with agreement checks')
    .option('--backends <names>', 'comma-separated backends')
    .option('--scale', 'add the scale points (10k sessions, dim 100/768, 10/50 results)')
    .option('--no-browser', 'skip the rows measured in headless Chromium')
    .option('--out <dir>', 'where to write results', 'bench-results')
    .action(async (flags: { quick?: boolean; backends?: string; scale?: boolean; browser: boolean; out: string }) => {
      const { runBenchCommand } = await benchApp();
      process.exitCode = await runBenchCommand({ quick: flags.quick, backends: flags.backends, scale: flags.scale, browser: flags.browser, out: flags.out, iterations: '5' });
    });
}

export function registerExperiment(program: Command): void {
  withHarnessOptions(
    withDataOptions(
      program
        .command('experiment')
        .description("the quality harness: tasks × logging × training × selection variants over seeds, held-out NDCG/MRR/Recall@10 and the gate's decisions"),
    ),
  )
    .option('--seeds <list>', 'comma-separated seeds', '1,2,3')
    .option('--variants <list>', `comma-separated variants (default: all): ${VARIANTS.map((variant) => variant.key).join(', ')}`)
    .option('--backend <name>', 'tensor backend')
    .option('--out <dir>', 'where to write experiment.json, experiment.md and experiment.svg', 'quality-results')
    .action(async (flags: DataFlags & HarnessFlags & { seeds: string; backend?: string; out: string }) => {
      const { runExperiment } = await import('../harness/experiment');
      const { collapse, experimentChart, experimentTable } = await import('../harness/experiment-report');
      const { join } = await import('node:path');
      const seeds = flags.seeds.split(',').map((seed) => positiveIntegerOrZero(seed.trim(), '--seeds'));
      const settings = harnessSettingsOf(flags);
      const workers = parseWorkers(flags.workers);
      const backend = await selectTensorBackend(flags.backend);
      const tasks = await loadTasks(flags, ['emoji', 'icons', 'capitals']);
      // Find out before the run, not after it, that the results cannot be written.
      const files = ['experiment.json', 'experiment.md', 'experiment.svg'].map((name) => join(flags.out, name));
      await ensureFolder(flags.out);
      for (const file of files) await preflightOutput(file);
      const variants = flags.variants?.split(',').map((key) => {
        const variant = VARIANTS.find((entry) => entry.key === key.trim());
        if (!variant) throw usageError(`--variants: unknown variant ${JSON.stringify(key)}; the variants are ${VARIANTS.map((entry) => entry.key).join(', ')}`, '--variants');
        return variant;
      });
      const result = await runExperiment({
        tasks,
        seeds,
        settings,
        variants,
        log: info,
        foldRunner: foldRunnerOf(workers, backend.name, resolveSettings(settings.training).folds),
      });
      const table = experimentTable(result);
      out(table);
      for (const run of result.runs.filter((entry) => entry.curve.length > 0))
        info(`collapse check, ${run.task}, ${run.variant.name}, seed ${run.seed}: last epoch ${((1 - collapse(run)) * 100).toFixed(1)}% of its best`);
      await writeFileAtomic(files[0] as string, `${JSON.stringify(result, null, 2)}\n`);
      await writeFileAtomic(files[1] as string, table);
      await writeFileAtomic(files[2] as string, experimentChart(result));
      info(`wrote ${files[0]}, experiment.md and experiment.svg`);
    });
}

type HarnessFlags = {
  sessions: string;
  rounds: string;
  workers: string;
  epochs?: string;
  learningRate?: string;
  weightDecay?: string;
  validationFraction?: string;
  gateConfidence?: string;
  gateMinQueries?: string;
  judgement?: string;
  epochSelection?: string;
  folds?: string;
  towers?: string;
  slots: string;
  depth: string;
  positions: string;
  variants?: string;
} & ClickLabelFlags;

/** The flags of the demo and the harness: how much is logged, how, and the recipe's main knobs. */
function withHarnessOptions(command: Command): Command {
  const exploration = EXPERIMENT_DEFAULTS.exploration;
  return command
    .option('--sessions <n>', 'simulated sessions per run (all rounds together)', String(EXPERIMENT_DEFAULTS.sessions))
    .option('--rounds <n>', 'deploy-log-retrain rounds: each round after the first is served by the model in service after the previous one', String(EXPERIMENT_DEFAULTS.rounds))
    .option('--epochs <n>', `epochs per round (default: ${DEFAULT_SETTINGS.epochs})`)
    .option('--learning-rate <x>', `learning rate (default: ${DEFAULT_SETTINGS.learningRate})`)
    .option('--weight-decay <x>', `decay toward the identity adapter, per step (default: ${DEFAULT_SETTINGS.weightDecay})`)
    .option('--validation-fraction <x>', `share of the logged queries held out for selection and the gate (default: ${DEFAULT_SETTINGS.validationFraction})`)
    .option('--gate-confidence <x>', `one-sided confidence of the gate's lower bound (default: ${DEFAULT_SETTINGS.gate.confidence})`)
    .option('--gate-min-queries <n>', `queries that must tell the models apart before the gate can deploy (default: ${DEFAULT_SETTINGS.gate.minQueries})`)
    .option('--judgement <kind>', `validation judgements from clicks: binary or graded (default: ${DEFAULT_SETTINGS.judgement})`)
    .option('--folds <k>', `1: one held-out validation split; k ≥ 2: cross-fitting, every query held out once (default: ${DEFAULT_SETTINGS.folds})`)
    .option('--click-threshold <x>', CLICK_THRESHOLD_HELP)
    .option('--min-clicks <n>', MIN_CLICKS_HELP)
    .option('--epoch-selection <how>', `epochs compete on the criterion's mean or on the gate's lower bound: mean or lowerBound (default: ${DEFAULT_SETTINGS.epochSelection})`)
    .option('--towers <which>', `adapt both towers, only query or only item (default: ${DEFAULT_SETTINGS.towers})`)
    .option('--slots <n>', 'exploration: shown positions that explore', String(exploration.slots))
    .option('--depth <n>', 'exploration: explored results come from the ranks after the shown ones, down to this rank', String(exploration.depth))
    .option('--positions <list>', 'exploration: the 0-based shown positions of the slots', (exploration.positions ?? []).join(','))
    .option('--workers <n>', "worker threads for cross-fitting's folds (auto: one per core; 1: in this thread)", 'auto');
}

function harnessSettingsOf(flags: HarnessFlags): ExperimentSettings {
  const slots = positiveIntegerOrZero(flags.slots, '--slots');
  const positions = flags.positions.trim() === '' ? undefined : parsePositions(flags.positions);
  if (positions && positions.length !== slots) throw usageError(`--positions names ${positions.length} positions for ${slots} slots`, '--positions');
  return {
    sessions: positiveInteger(flags.sessions, '--sessions'),
    rounds: positiveInteger(flags.rounds, '--rounds'),
    exploration: { slots, depth: positiveInteger(flags.depth, '--depth'), positions },
    training: {
      epochs: flags.epochs === undefined ? undefined : positiveInteger(flags.epochs, '--epochs'),
      learningRate: flags.learningRate === undefined ? undefined : positiveNumber(flags.learningRate, '--learning-rate'),
      weightDecay: flags.weightDecay === undefined ? undefined : parseWeightDecay(flags.weightDecay),
      validationFraction: flags.validationFraction === undefined ? undefined : parseValidationFraction(flags.validationFraction),
      judgement: flags.judgement === undefined ? undefined : oneOf(flags.judgement, ['binary', 'graded'] as const, '--judgement'),
      folds: flags.folds === undefined ? undefined : positiveInteger(flags.folds, '--folds'),
      epochSelection: flags.epochSelection === undefined ? undefined : oneOf(flags.epochSelection, ['mean', 'lowerBound'] as const, '--epoch-selection'),
      towers: flags.towers === undefined ? undefined : oneOf(flags.towers, TOWERS, '--towers'),
      clickLabels: clickLabelsOf(flags),
      gate: {
        confidence: flags.gateConfidence === undefined ? undefined : parseGateConfidence(flags.gateConfidence),
        minQueries: flags.gateMinQueries === undefined ? undefined : positiveIntegerOrZero(flags.gateMinQueries, '--gate-min-queries'),
      },
    },
  };
}
