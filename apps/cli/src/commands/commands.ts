import { type BackendDescription, describeBackends, selectBackend } from '@clicktune/backends';
import type { ConfidenceCalculatorOption } from '@clicktune/confidence';
import { SeededRandom, writeFileAtomic, writeJsonl } from '@clicktune/core';
import { type ClickModelName, resolveClickModel, simulateSessions } from '@clicktune/simulate';
import { disposeTensorFeatures, evaluateRetrieval, FeaturesExtractor, LinearAdapter, loadAdapter, retrieveTopK, saveAdapter, toFeatures } from '@clicktune/tensor';
import type { Command } from 'commander';
import { runDemo } from '../demo';
import { EXPERIMENT_DEFAULTS, keptEpoch } from '../experiment';
import { EXIT_CODES, usageError } from '../exit-codes';
import { DEFAULT_SETTINGS, type FineTuneSettings, fineTune, PAIRWISE_DEFAULTS } from '../fine-tune';
import { type DataFlags, loadData, loadSessions, positiveInteger, positiveNumber, readIdList } from '../inputs';
import { trainingProgress } from '../progress';
import { renderDemoReport } from '../report';
import { withDataOptions, withRuntimeOptions } from './data-options';

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

function confidenceOf(value: string): ConfidenceCalculatorOption {
  if (!CONFIDENCES.includes(value)) throw usageError(`--confidence must be one of ${CONFIDENCES.join(', ')}, got ${JSON.stringify(value)}`, '--confidence');
  return value as ConfidenceCalculatorOption;
}

/** Training flags shared by `train` and `demo`, mapped onto FineTuneSettings. */
function withTrainingOptions(command: Command): Command {
  return command
    .option('--method <name>', 'clicktune: click-model relevance, a listwise loss with negatives beyond the logged lists, the epoch kept by click judgements of held-out queries; pairwise: the original\'s pairwise loss on clicked × unclicked results', DEFAULT_SETTINGS.method)
    .option('--epochs <n>', `epochs (default: ${DEFAULT_SETTINGS.epochs}; pairwise: ${PAIRWISE_DEFAULTS.epochs})`)
    .option('--batch-size <n>', 'sessions per batch', String(DEFAULT_SETTINGS.batchSize))
    .option('--learning-rate <x>', `learning rate (default: ${DEFAULT_SETTINGS.learningRate}; pairwise: ${PAIRWISE_DEFAULTS.learningRate})`)
    .option('--weight-decay <x>', 'decay toward the identity adapter, per step', String(DEFAULT_SETTINGS.weightDecay))
    .option('--optimizer <name>', 'sgd or adam', DEFAULT_SETTINGS.optimizer)
    .option('--confidence <name>', `confidence calculator: ${CONFIDENCES.join(', ')}`, 'dummy')
    .option('--towers <which>', 'adapt both towers, only query or only item', DEFAULT_SETTINGS.towers)
    .option('--patience <n>', `stop after n epochs without improvement of the selection criterion (pairwise: the validation loss); 0: off (default: ${DEFAULT_SETTINGS.patience}; pairwise: ${PAIRWISE_DEFAULTS.patience})`)
    .option('--validation-fraction <x>', 'share of training queries held out for validation', String(DEFAULT_SETTINGS.validationFraction));
}

function settingsOf(flags: Record<string, string>, seed: number): FineTuneSettings {
  if (!['clicktune', 'pairwise'].includes(flags.method as string)) throw usageError(`--method must be clicktune or pairwise, got ${JSON.stringify(flags.method)}`, '--method');
  if (!['sgd', 'adam'].includes(flags.optimizer as string)) throw usageError(`--optimizer must be sgd or adam, got ${JSON.stringify(flags.optimizer)}`, '--optimizer');
  if (!['both', 'query', 'item'].includes(flags.towers as string)) throw usageError(`--towers must be both, query or item, got ${JSON.stringify(flags.towers)}`, '--towers');
  const fraction = Number(flags.validationFraction);
  if (!(fraction > 0 && fraction < 1)) throw usageError(`--validation-fraction must be in (0, 1), got ${JSON.stringify(flags.validationFraction)}`, '--validation-fraction');
  const decay = Number(flags.weightDecay);
  if (!(decay >= 0)) throw usageError(`--weight-decay must be ≥ 0, got ${JSON.stringify(flags.weightDecay)}`, '--weight-decay');
  const methodDefaults = flags.method === 'pairwise' ? PAIRWISE_DEFAULTS : DEFAULT_SETTINGS;
  return {
    ...DEFAULT_SETTINGS,
    method: flags.method as 'clicktune' | 'pairwise',
    epochs: positiveInteger(flags.epochs ?? String(methodDefaults.epochs), '--epochs'),
    batchSize: positiveInteger(flags.batchSize as string, '--batch-size'),
    learningRate: positiveNumber(flags.learningRate ?? String(methodDefaults.learningRate), '--learning-rate'),
    weightDecay: decay,
    optimizer: flags.optimizer as 'sgd' | 'adam',
    confidence: confidenceOf(flags.confidence as string),
    towers: flags.towers as 'both' | 'query' | 'item',
    patience: positiveIntegerOrZero(flags.patience ?? String(methodDefaults.patience), '--patience'),
    validationFraction: fraction,
    seed,
  };
}

/** Ctrl-C stops training after the current step (a checkpoint is written); a second Ctrl-C exits at once. */
function interruptible(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted);
    info('clicktune: stopping after this step (Ctrl-C again to quit now) …');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, release: () => process.off('SIGINT', handler) };
}

export function registerCommands(program: Command): void {
  withRuntimeOptions(program.command('backends').description('list every backend: available or not, and why'))
    .option('--chromium', 'also list the backends as a page in headless Chromium sees them (webgpu, webgl, wasm, …)')
    .action(async (flags: Flags & { chromium?: boolean }) => {
      let backends: BackendDescription[] = await describeBackends();
      let note: string | undefined;
      if (flags.chromium) {
        const { describeInChromium } = await import('@clicktune/bench');
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

  withRuntimeOptions(withDataOptions(program.command('simulate').description('simulate search sessions: the base embeddings’ top k per query, clicks from a click model on the judgements')))
    .requiredOption('--out <file>', 'sessions JSONL to write (atomically; - for stdout)')
    .option('--sessions <n>', 'sessions to simulate', '10000')
    .option('--click-model <name>', 'pbm, cascade or dbn', 'pbm')
    .option('--top-k <n>', 'results shown per session', '10')
    .option('--query-ids <file>', 'only these queries (one id per line), e.g. a training split')
    .option('--examination', 'record each result’s examination probability')
    .action(async (flags: Flags & { out: string; sessions: string; clickModel: string; topK: string; queryIds?: string; examination?: boolean }) => {
      const data = await loadData(flags, { queries: true, relevance: true });
      const clickModel = resolveClickModel(flags.clickModel as ClickModelName);
      await selectBackend(flags.backend);
      const queryIds = flags.queryIds ? await readIdList(flags.queryIds) : [...(data.relevance?.keys() ?? [])].filter((id) => data.queries?.has(id));
      const base = new LinearAdapter({ inputDimension: data.items.dimension, queries: data.queries });
      const lists = await retrieveTopK(base, queryIds.map((id) => ({ kind: 'id', id }) as const), data.items, { k: positiveInteger(flags.topK, '--top-k') });
      base.dispose();
      const listOf = new Map(queryIds.map((id, index) => [id, lists[index] ?? []]));
      const sessions = simulateSessions({
        queries: queryIds,
        sessions: positiveIntegerOrZero(flags.sessions, '--sessions'),
        show: (query) => listOf.get(query) ?? [],
        grade: (query, item) => data.relevance?.get(query)?.get(item) ?? 0,
        clickModel,
        random: SeededRandom.fromSeed(seedOf(flags)),
        recordExamination: flags.examination,
      });
      await writeJsonl(flags.out, sessions);
      const clicks = sessions.reduce((sum, session) => sum + session.events.length, 0);
      if (flags.json && flags.out !== '-') out(JSON.stringify({ sessions: sessions.length, clicks, out: flags.out }));
      else info(`simulated ${sessions.length} sessions (${clicks} clicks, ${clickModel.name}) → ${flags.out}`);
    });

  withRuntimeOptions(withDataOptions(program.command('extract').description('sessions + items (+ adapter) → pair features JSONL')))
    .requiredOption('--sessions <file>', 'sessions JSONL (- for stdin)')
    .requiredOption('--out <file>', 'features JSONL to write (atomically; - for stdout)')
    .option('--adapter <file>', 'adapter weights (safetensors) to rank with; default: base embeddings')
    .option('--confidence <name>', `confidence calculator: ${CONFIDENCES.join(', ')}`, 'dummy')
    .option('--factor <x>', 'negative downsampling factor in (0, 1]', '1')
    .option('--min-difference <x>', 'keep pairs with |pos − neg| above this', '0')
    .option('--max-difference <x>', 'and below this', '1')
    .option('--drop-missing-events', 'drop events that are not among the results (with a warning) instead of failing')
    .action(async (flags: Flags & { sessions: string; out: string; adapter?: string; confidence: string; factor: string; minDifference: string; maxDifference: string; dropMissingEvents?: boolean }) => {
      const data = await loadData(flags);
      const sessions = await loadSessions(flags.sessions, { dropMissingEvents: flags.dropMissingEvents });
      await selectBackend(flags.backend);
      const model = flags.adapter ? await loadAdapter(flags.adapter, { queries: data.queries }) : new LinearAdapter({ inputDimension: data.items.dimension, queries: data.queries });
      const extractor = new FeaturesExtractor(model, {
        queries: data.queries,
        confidenceCalculator: confidenceOf(flags.confidence),
        negativeDownsamplingFactor: Number(flags.factor),
        minAbsDifference: Number(flags.minDifference),
        maxAbsDifference: Number(flags.maxDifference),
        seed: seedOf(flags),
      });
      const rows: Array<Record<string, unknown>> = [];
      const skipped = new Map<string, number>();
      for (let start = 0; start < sessions.length; start += 256) {
        const batch = sessions.slice(start, start + 256);
        const { features, report } = extractor.forward(batch, data.items);
        for (const entry of report.skipped) skipped.set(entry.reason, (skipped.get(entry.reason) ?? 0) + 1);
        const plain = await toFeatures(features);
        disposeTensorFeatures(features);
        for (const row of plain.toRows()) rows.push({ ...row, session: start + (row.session as number) });
      }
      await writeJsonl(flags.out, rows);
      model.dispose();
      const summary = { sessions: sessions.length, pairs: rows.length, skipped: Object.fromEntries(skipped) };
      if (flags.json && flags.out !== '-') out(JSON.stringify(summary));
      else info(`${rows.length} pairs from ${sessions.length} sessions → ${flags.out}${skipped.size > 0 ? `; sessions without pairs: ${[...skipped].map(([reason, count]) => `${count} ${reason}`).join(', ')}` : ''}`);
    });

  withTrainingOptions(withRuntimeOptions(withDataOptions(program.command('train').description('fine-tune an adapter on sessions → safetensors'))))
    .requiredOption('--sessions <file>', 'sessions JSONL (- for stdin)')
    .requiredOption('--out <file>', 'adapter weights to write (safetensors)')
    .option('--checkpoint <file>', 'checkpoint written after every epoch and on Ctrl-C (default: <out>.checkpoint)')
    .option('--resume', 'continue from the checkpoint')
    .option('--history <file>', 'per-epoch history as JSON')
    .option('--select-with-qrels', 'keep the epoch with the best NDCG@10 on the --qrels judgements instead of the click validation loss')
    .option('--select-query-ids <file>', 'with --select-with-qrels: only these labelled queries (one id per line), e.g. a dev split')
    .option('--in-service <file>', 'the adapter users are served now (after the first round of the loop): it competes with the epochs, and --out gets it back unless an epoch beats it')
    .action(async (flags: Flags & Record<string, string> & { sessions: string; out: string; checkpoint?: string; resume?: boolean; history?: string; selectWithQrels?: boolean; selectQueryIds?: string; inService?: string }) => {
      if (flags.selectQueryIds && !flags.selectWithQrels) throw usageError('--select-query-ids needs --select-with-qrels', '--select-query-ids');
      const seed = seedOf(flags);
      const settings = settingsOf(flags, seed);
      const data = await loadData(flags, flags.selectWithQrels ? { queries: true, relevance: true } : {});
      const sessions = await loadSessions(flags.sessions);
      const backend = await selectBackend(flags.backend);
      info(`training on ${sessions.length} sessions, ${data.description}, backend ${backend.name}`);
      let labelledSelection: { queries: string[]; relevance: NonNullable<typeof data.relevance> } | undefined;
      if (flags.selectWithQrels && data.relevance) {
        const wanted = flags.selectQueryIds ? new Set(await readIdList(flags.selectQueryIds)) : undefined;
        const queries = [...data.relevance.keys()].filter((id) => data.queries?.has(id) && (!wanted || wanted.has(id)));
        if (queries.length === 0) throw usageError('--select-with-qrels: no judged query is among --queries (and --select-query-ids)', '--select-with-qrels');
        labelledSelection = { queries, relevance: data.relevance };
        info(`selecting the kept epoch by NDCG@10 on ${queries.length} labelled queries (qrels), not by clicks`);
      }
      const inService = flags.inService ? await loadAdapter(flags.inService, { queries: data.queries }) : undefined;
      const checkpointPath = flags.checkpoint ?? `${flags.out}.checkpoint`;
      const progress = trainingProgress(!flags.json);
      const stop = interruptible();
      try {
        const run = await fineTune({
          sessions,
          items: data.items,
          queries: data.queries,
          settings,
          checkpointPath,
          resumeFrom: flags.resume ? checkpointPath : undefined,
          signal: stop.signal,
          labelledSelection,
          inService,
          onPlan: (plan) => info(`method ${settings.method}: ${plan.trainSessions} training sessions${settings.method === 'clicktune' ? ' (one per query with a click-model relevant result)' : ''}, ${plan.validationSessions} validation sessions; keeping ${plan.selection}`),
          onBatch: progress.onBatch,
          onEpoch: (record) => {
            progress.stop();
            if (!flags.json) info(`epoch ${record.epoch + 1}: train loss ${record.trainLoss.toFixed(4)}, validation loss ${record.validationLoss?.toFixed(4) ?? '—'}, validation NDCG@10 (clicked results) ${record.ndcg?.toFixed(4) ?? '—'}${record.selectionScore !== null ? `, selection ${record.selectionScore.toFixed(4)}` : ''}`);
          },
        });
        if (run.result.interrupted) {
          info(`clicktune: interrupted; checkpoint at ${checkpointPath} — continue with the same command and --resume`);
          process.exitCode = EXIT_CODES.interrupted;
          return;
        }
        const best = run.result.bestSelectionScore?.toFixed(4) ?? '—';
        if (run.keptInService) info(`no epoch beat the adapter in service (${run.inServiceScore?.toFixed(4)} against ${best}): ${flags.out} gets it back unchanged`);
        else if (run.inServiceScore !== null) info(`the retrained adapter beat the one in service (${best} against ${run.inServiceScore.toFixed(4)})`);
        else if (inService) info('the adapter in service could not compete: there is no selection criterion (no validation query with a click-judged relevant result)');
        await saveAdapter(run.keptInService && inService ? inService : run.adapter, flags.out, { trainedOn: String(sessions.length), seed: String(seed) });
        if (flags.history) await writeFileAtomic(flags.history, `${JSON.stringify(run.result.history, null, 2)}\n`);
        if (flags.json) out(JSON.stringify({ out: flags.out, method: settings.method, selection: run.selection, inServiceScore: run.inServiceScore, keptInService: run.keptInService, history: run.result.history, stoppedEarly: run.result.stoppedEarly }));
        else info(`adapter → ${flags.out}${run.result.stoppedEarly ? ' (stopped early; best validation weights kept)' : ''}`);
        run.adapter.dispose();
      } finally {
        inService?.dispose();
        progress.stop();
        stop.release();
      }
    });

  withRuntimeOptions(withDataOptions(program.command('evaluate').description('full-catalogue retrieval quality against judgements: MRR@k, NDCG@k, Recall@k')))
    .option('--adapter <file>', 'adapter weights (safetensors); default: base embeddings')
    .option('--query-ids <file>', 'only these queries (one id per line), e.g. a test split')
    .option('--k <n>', 'cut-off', '10')
    .action(async (flags: Flags & { adapter?: string; queryIds?: string; k: string }) => {
      const data = await loadData(flags, { queries: true, relevance: true });
      await selectBackend(flags.backend);
      const k = positiveInteger(flags.k, '--k');
      const queryIds = flags.queryIds ? await readIdList(flags.queryIds) : [...(data.relevance?.keys() ?? [])].filter((id) => data.queries?.has(id));
      const model = flags.adapter ? await loadAdapter(flags.adapter, { queries: data.queries }) : new LinearAdapter({ inputDimension: data.items.dimension, queries: data.queries });
      const metrics = await evaluateRetrieval(model, queryIds, data.relevance ?? new Map(), data.items, { k });
      model.dispose();
      const summary = { queries: queryIds.length, k, mrr: metrics.mrr, ndcg: metrics.ndcg, recall: metrics.recall };
      if (flags.json) out(JSON.stringify(summary));
      else out(`${queryIds.length} queries: MRR@${k} ${metrics.mrr.toFixed(4)}  NDCG@${k} ${metrics.ndcg.toFixed(4)}  Recall@${k} ${metrics.recall.toFixed(4)}`);
    });

  withRuntimeOptions(program.command('demo').description('the whole loop on the embedded emoji sample: simulate clicks with and without exploration, fine-tune, compare on held-out queries'))
    .option('--sessions <n>', 'simulated sessions per run (all rounds together)', String(EXPERIMENT_DEFAULTS.sessions))
    .option('--rounds <n>', 'deploy-log-retrain rounds: each round after the first is served by the previous round\'s model', String(EXPERIMENT_DEFAULTS.rounds))
    .option('--epochs <n>', 'epochs per run', String(EXPERIMENT_DEFAULTS.epochs))
    .option('--learning-rate <x>', 'learning rate', String(EXPERIMENT_DEFAULTS.learningRate))
    .option('--weight-decay <x>', 'decay toward the identity adapter, per step', String(EXPERIMENT_DEFAULTS.weightDecay))
    .option('--report <file>', 'HTML report to write', 'clicktune-demo-report.html')
    .action(async (flags: Flags & { sessions: string; rounds: string; epochs: string; learningRate: string; weightDecay: string; report: string }) => {
      const decay = Number(flags.weightDecay);
      if (!(decay >= 0)) throw usageError(`--weight-decay must be ≥ 0, got ${JSON.stringify(flags.weightDecay)}`, '--weight-decay');
      const result = await runDemo({
        backend: flags.backend,
        seed: seedOf(flags),
        settings: {
          sessions: positiveInteger(flags.sessions, '--sessions'),
          rounds: positiveInteger(flags.rounds, '--rounds'),
          epochs: positiveInteger(flags.epochs, '--epochs'),
          learningRate: positiveNumber(flags.learningRate, '--learning-rate'),
          weightDecay: decay,
        },
        log: flags.json ? undefined : info,
      });
      await writeFileAtomic(flags.report, renderDemoReport(result));
      if (flags.json) return out(JSON.stringify({ ...result, report: flags.report }));
      out('Clicks are SIMULATED (position-based model) over REAL human relevance (CLDR emoji keywords).');
      out(`backend: ${result.backend.name} (${result.backend.detail})\n`);
      out(`${result.settings.sessions} sessions per variant in ${result.settings.rounds} round(s); round r > 1 is served by round r − 1's kept model; epochs of the last round:`);
      out(`epoch  ${result.runs.map((run) => `${run.variant.name}: selection (clicks) | held-out NDCG@10`).join('  ||  ')}`);
      for (let epoch = 0; epoch < (result.runs[0]?.curve.length ?? 0); epoch += 1) {
        out(`${String(epoch + 1).padStart(5)}  ${result.runs.map((run) => `${(run.selectionScores[epoch]?.toFixed(4) ?? '—').padStart(10)} | ${(run.curve[epoch]?.toFixed(4) ?? '—').padStart(6)}`).join('  ||  ')}`);
      }
      out(`\nheld-out queries (${result.sample.testQueries}), full catalogue, human labels (reported only; the kept epoch is chosen by clicks):`);
      const change = (after: number, before: number) => `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)}%`;
      out(`  base embeddings: NDCG@10 ${result.before.ndcg.toFixed(4)}  MRR@10 ${result.before.mrr.toFixed(4)}  Recall@10 ${result.before.recall.toFixed(4)}`);
      for (const run of result.runs) {
        const kept = keptEpoch(run);
        out(`  ${run.variant.name} (${(run.explorationShare * 100).toFixed(0)}% of shown slots explore${run.explorationShare > 0 ? ` — ${run.loggingPolicy}` : ''}; users saw mean DCG@10 ${run.shownDcg?.toFixed(4) ?? '—'}; kept ${kept === 0 ? (run.rounds > 1 ? 'the model already in service' : 'the untrained model') : `epoch ${kept}${run.rounds > 1 ? ` of round ${run.rounds}` : ''}`}): NDCG@10 ${run.heldOut.ndcg.toFixed(4)} (${change(run.heldOut.ndcg, result.before.ndcg)})  MRR@10 ${run.heldOut.mrr.toFixed(4)} (${change(run.heldOut.mrr, result.before.mrr)})  Recall@10 ${run.heldOut.recall.toFixed(4)} (${change(run.heldOut.recall, result.before.recall)})`);
      }
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
      const { runBenchCommand } = await import('@clicktune/bench');
      process.exitCode = await runBenchCommand({ quick: flags.quick, backends: flags.backends, scale: flags.scale, browser: flags.browser, out: flags.out, iterations: '5' });
    });
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('the quality harness on the emoji sample: logging × training × selection variants over seeds, held-out NDCG/MRR/Recall@10')
    .option('--seeds <list>', 'comma-separated seeds', '1,2,3')
    .option('--epochs <n>', 'epochs per run (the collapse check needs 20)', '20')
    .option('--sessions <n>', 'simulated sessions per run (all rounds together)', String(EXPERIMENT_DEFAULTS.sessions))
    .option('--rounds <n>', 'deploy-log-retrain rounds per run', String(EXPERIMENT_DEFAULTS.rounds))
    .option('--backend <name>', 'tensor backend')
    .option('--out <dir>', 'where to write experiment.json, experiment.md and experiment.svg', 'quality-results')
    .action(async (flags: { seeds: string; epochs: string; sessions: string; rounds: string; backend?: string; out: string }) => {
      const { runExperiment } = await import('../experiment');
      const { collapse, experimentChart, experimentTable } = await import('../experiment-report');
      const { mkdirSync } = await import('node:fs');
      const { join } = await import('node:path');
      const seeds = flags.seeds.split(',').map((seed) => positiveIntegerOrZero(seed.trim(), '--seeds'));
      await selectBackend(flags.backend);
      const result = await runExperiment({
        seeds,
        settings: { epochs: positiveInteger(flags.epochs, '--epochs'), sessions: positiveInteger(flags.sessions, '--sessions'), rounds: positiveInteger(flags.rounds, '--rounds') },
        log: info,
      });
      const table = experimentTable(result);
      out(table);
      for (const run of result.runs.filter((entry) => entry.curve.length > 0)) info(`collapse check, ${run.variant.name}, seed ${run.seed}: last epoch ${((1 - collapse(run)) * 100).toFixed(1)}% of its best`);
      mkdirSync(flags.out, { recursive: true });
      await writeFileAtomic(join(flags.out, 'experiment.json'), `${JSON.stringify(result, null, 2)}\n`);
      await writeFileAtomic(join(flags.out, 'experiment.md'), table);
      await writeFileAtomic(join(flags.out, 'experiment.svg'), experimentChart(result));
      info(`wrote ${join(flags.out, 'experiment.json')}, experiment.md and experiment.svg`);
    });
}
