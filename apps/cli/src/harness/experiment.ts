import {
  discountedCumulativeGain,
  FineTuningInput,
  InvalidOptionError,
  type ItemsSet,
  queryKey,
  queryKeyOf,
  queryOfKey,
  type RankingMetrics,
  type Relevance,
  SeededRandom,
} from '@clicktune/core';
import { type ExplorationPolicy, explorationSlots, noExploration } from '@clicktune/explore';
import { DEFAULT_SETTINGS, type FoldRunner, fineTune, type GateDecision, type LearnSettingsInput, validationQueriesOf } from '@clicktune/learn';
import { positionBasedModel, simulateSessions } from '@clicktune/simulate';
import { evaluateRetrieval, LinearAdapter, retrieveTopK } from '@clicktune/tensor';

/**
 * The quality harness: on a task with human relevance, simulate clicks over
 * what a logging policy shows for the training queries, learn from them with
 * `@clicktune/learn`, and measure full-catalogue retrieval on held-out test
 * queries (reported only, never used to choose).
 */

/** A retrieval task: a catalogue, queries and their human relevance judgements. */
export interface Task {
  readonly name: string;
  readonly items: ItemsSet;
  readonly queries: ItemsSet;
  readonly relevance: Relevance;
}

/** How sessions were logged, how the adapter was trained, and how the kept weights were chosen. */
export interface Variant {
  /** Short name for --variants. */
  readonly key: string;
  readonly name: string;
  readonly logging: 'top-10' | 'exploration';
  /** original: EmbeddingStudio's pairwise loss on logged lists, no gate; clickTune: the recipe; supervised: the labels of the training queries. */
  readonly training: 'none' | 'original' | 'clickTune' | 'supervised';
  /** clicks: click judgements of validation queries; labels: NDCG on the labels of the validation queries (a small labelled set). */
  readonly selection: 'clicks' | 'labels';
}

export const VARIANTS: readonly Variant[] = [
  { key: 'base', name: 'base embeddings (no fine-tuning)', logging: 'top-10', training: 'none', selection: 'clicks' },
  { key: 'original', name: 'original method, top-10 logs', logging: 'top-10', training: 'original', selection: 'clicks' },
  { key: 'top10', name: 'ClickTune, top-10 logs', logging: 'top-10', training: 'clickTune', selection: 'clicks' },
  { key: 'exploration', name: 'ClickTune, exploration logs', logging: 'exploration', training: 'clickTune', selection: 'clicks' },
  { key: 'supervised', name: 'supervised ceiling (train-query labels)', logging: 'top-10', training: 'supervised', selection: 'labels' },
  // What a small labelled set buys when it chooses the epoch: clicks train, labels of the validation queries select and gate.
  { key: 'labelled', name: 'ClickTune, exploration logs, epoch chosen on ~100 labelled queries', logging: 'exploration', training: 'clickTune', selection: 'labels' },
];

export interface ExperimentSettings {
  /** Simulated sessions per run, all rounds together. */
  sessions: number;
  /**
   * Deploy, log, retrain: the sessions are split evenly over the rounds; round
   * r > 1 serves (and explores around) the model in service after round r − 1,
   * and each round retrains from the identity adapter on every log so far.
   */
  rounds: number;
  exploration: { slots: number; depth: number; positions?: number[] };
  /** The recipe's settings (`@clicktune/learn`'s defaults where not given). */
  training: LearnSettingsInput;
}

/** Defaults of `clicktune experiment` and of the demo; the training settings are the recipe's own. */
export const EXPERIMENT_DEFAULTS: ExperimentSettings = {
  sessions: 20_000,
  // Two rounds of 10,000 sessions: the second round's lists come from the first round's model
  // (chosen on dev labels; see quality-results/2026-11-28).
  rounds: 2,
  // Two slots at the 3rd and 5th shown positions drawing from ranks 9–20 (dev labels, not test labels).
  exploration: { slots: 2, depth: 20, positions: [2, 4] },
  training: {},
};

/** The original method as EmbeddingStudio runs it: pairwise loss, its learning rate, no decay, the last epoch, no gate. */
const ORIGINAL: LearnSettingsInput = { method: 'pairwise', learningRate: 3e-4, weightDecay: 0, patience: 0, gate: { enabled: false } };

export interface VariantRun {
  readonly task: string;
  readonly variant: Variant;
  readonly seed: number;
  /** Held-out test queries, full catalogue, human labels: reported only. */
  readonly heldOut: RankingMetrics;
  /** Held-out NDCG@10 after each epoch of the last round (reported only). */
  readonly curve: number[];
  readonly selectionScores: Array<number | null>;
  /** The selection criterion of the model in service at the start of the last round. */
  readonly initialSelectionScore: number | null;
  /** NDCG@10 on the labels of the validation queries after each epoch: the only quality figure used for design decisions. */
  readonly devCurve: number[];
  /**
   * Dev NDCG@10 of the model in service at the end (what users get), on the labels of the
   * first 10% of the validation queries: the same queries whatever the validation fraction
   * (≥ 0.1), so settings can be compared on dev labels.
   */
  readonly dev: number | null;
  /** Dev NDCG@10 of the base embeddings on the same queries. */
  readonly baseDev: number | null;
  /** The gate's decision in each round. */
  readonly decisions: GateDecision[];
  /** Each round's kept epoch, whether or not the gate deployed it: held-out and dev NDCG@10 (reported only; shows what the gate kept out or let in). */
  readonly candidates: Array<{ heldOut: number; dev: number }>;
  /** Whether the model in service at the end was trained (a gate deployed something). */
  readonly deployed: boolean;
  readonly explorationShare: number;
  readonly loggingPolicy: string;
  /** Deploy-log-retrain rounds (0 without logs). */
  readonly rounds: number;
  /** Mean DCG@10 (gain = label) of the lists users were shown (reported only: what exploration costs them); null without logs. */
  readonly shownDcg: number | null;
  readonly trainingLists: number;
  readonly seconds: number;
}

export interface SeedSetup {
  readonly task: Task;
  readonly trainQueries: string[];
  readonly testQueries: string[];
  /** The base model's top 50 per training query: what it shows and explores from. */
  readonly pools: Map<string, Array<{ id: string; score: number }>>;
}

/** Half of the judged queries are test queries (reported only), half training queries (logged). */
export async function setupSeed(seed: number, task: Task): Promise<SeedSetup> {
  const random = SeededRandom.fromSeed(seed);
  const judged = [...task.relevance.keys()].filter((id) => task.queries.has(id) && [...(task.relevance.get(id)?.values() ?? [])].some((grade) => grade > 0));
  const queryIds = random.shuffle(judged.sort());
  const testQueries = queryIds.slice(0, Math.floor(queryIds.length / 2));
  const trainQueries = queryIds.slice(testQueries.length);
  const base = new LinearAdapter({ inputDimension: task.items.dimension, queries: task.queries });
  const pools = await poolsOf(base, task, trainQueries);
  base.dispose();
  return { task, trainQueries, testQueries, pools };
}

/** Simulated sessions over the training queries under a logging policy (PBM clicks on the human labels). */
export function logSessions(setup: SeedSetup, policy: ExplorationPolicy, sessions: number, seed: number): FineTuningInput[] {
  return simulateSessions({
    queries: setup.trainQueries,
    sessions,
    show: (query, stream) => policy.choose(setup.pools.get(query) ?? [], stream),
    grade: (query, item) => setup.task.relevance.get(query)?.get(item) ?? 0,
    clickModel: positionBasedModel(),
    random: SeededRandom.fromSeed(seed * 7919 + 17),
  });
}

/** Sessions that carry the labels of the training queries (the supervised ceiling): every relevant item is an event. */
function labelSessions(setup: SeedSetup): FineTuningInput[] {
  return setup.trainQueries.flatMap((query) => {
    const relevant = [...(setup.task.relevance.get(query) ?? [])].filter(([, grade]) => grade > 0).map(([id]) => id);
    const shown = (setup.pools.get(query) ?? []).slice(0, 10).map((entry) => entry.id);
    return relevant.length === 0 ? [] : [FineTuningInput.create({ query, results: [...new Set([...shown, ...relevant])], events: relevant })];
  });
}

export async function runVariant(
  setup: SeedSetup,
  variant: Variant,
  seed: number,
  settings: ExperimentSettings,
  log: (line: string) => void = () => undefined,
  /** How cross-fitted rounds train their folds (default: in this thread); the numbers are the same either way. */
  foldRunner?: FoldRunner,
): Promise<VariantRun> {
  const started = performance.now();
  const { task } = setup;
  const evaluate = async (model: LinearAdapter, queries: readonly string[]) => (await evaluateRetrieval(model, queries, task.relevance, task.items, { k: 10 })).ndcg;
  const policy = variant.logging === 'exploration' ? explorationSlots({ k: 10, ...settings.exploration }) : noExploration({ k: 10 });
  const identity = () => new LinearAdapter({ inputDimension: task.items.dimension, queries: task.queries });
  let inService = identity();
  // With cross-fitting: the fold adapters behind the model in service, its out-of-fold stand-ins.
  let inServiceFolds: LinearAdapter[] | undefined;
  const finish = async (rest: Omit<VariantRun, 'task' | 'variant' | 'seed' | 'heldOut' | 'seconds'>) => {
    const heldOut = pick(await evaluateRetrieval(inService, setup.testQueries, task.relevance, task.items, { k: 10 }));
    inService.dispose();
    for (const fold of inServiceFolds ?? []) fold.dispose();
    return { task: task.name, variant, seed, heldOut, ...rest, seconds: (performance.now() - started) / 1000 };
  };
  const empty = {
    curve: [],
    selectionScores: [],
    initialSelectionScore: null,
    devCurve: [],
    dev: null,
    baseDev: null,
    decisions: [],
    candidates: [],
    deployed: false,
    trainingLists: 0,
  };
  // The original trains as many epochs as the others (its pairwise defaults would stop at 5).
  const original = { ...ORIGINAL, epochs: settings.training.epochs ?? DEFAULT_SETTINGS.epochs };
  const training: LearnSettingsInput = { ...settings.training, ...(variant.training === 'original' ? original : {}), seed };
  const validationFraction = settings.training.validationFraction ?? DEFAULT_SETTINGS.validationFraction;
  // The harness's queries are ids: a key back to its id.
  const idOf = (key: string) => {
    const query = queryOfKey(key);
    if (query.kind !== 'id') throw new InvalidOptionError(`the harness logs queries by id, got ${key}`);
    return query.id;
  };
  const devOf = (logged: readonly FineTuningInput[]) => [...validationQueriesOf(logged, { ...training, validationFraction: Math.min(0.1, validationFraction) })].map(idOf);
  if (variant.training === 'none') {
    // The dev queries of the first round's top-10 logs: the same ones every logged variant reports on.
    const devIds = devOf(logSessions(setup, noExploration({ k: 10 }), Math.floor(settings.sessions / settings.rounds), seed));
    const dev = await evaluate(inService, devIds);
    return finish({ ...empty, dev, baseDev: dev, explorationShare: 0, loggingPolicy: 'none', rounds: 0, shownDcg: null });
  }
  // The original method is EmbeddingStudio's: one batch of logs; the supervised ceiling has no logs.
  const rounds = variant.training === 'clickTune' ? settings.rounds : 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new InvalidOptionError(`rounds must be a whole number ≥ 1, got ${rounds}`, { location: { field: 'rounds' } });
  let logged: FineTuningInput[] = [];
  let validationQueries = new Set<string>();
  let devIds: string[] = [];
  let baseDev: number | null = null;
  const decisions: GateDecision[] = [];
  const candidates: VariantRun['candidates'] = [];
  let last = { curve: [] as number[], devCurve: [] as number[], selectionScores: [] as Array<number | null>, initialSelectionScore: null as number | null, trainingLists: 0 };
  for (let round = 0; round < rounds; round += 1) {
    if (variant.training === 'supervised') logged = labelSessions(setup);
    else {
      // Users are served by the model in service (the base model first).
      const pools = round === 0 ? setup.pools : await poolsOf(inService, task, setup.trainQueries);
      logged = logged.concat(logSessions({ ...setup, pools }, policy, Math.floor(settings.sessions / rounds), seed + 1000 * round));
    }
    // The validation queries are drawn once, so every round selects and gates on the same queries.
    if (round === 0) validationQueries = validationQueriesOf(logged, training);
    if (round === 0) {
      devIds = devOf(logged);
      baseDev = await evaluate(inService, devIds);
    }
    const validationIds = [...validationQueries].map(idOf);
    const roundName = `${task.name} · ${variant.name} · seed ${seed}${rounds > 1 ? ` · round ${round + 1}` : ''}`;
    const curve: number[] = [];
    const devCurve: number[] = [];
    // Cross-fitting holds every logged query out once, so the dev queries' sessions stay out of learning altogether.
    const crossFitted = (settings.training.folds ?? DEFAULT_SETTINGS.folds) > 1 && variant.training === 'clickTune' && variant.selection === 'clicks';
    const devKeys = new Set(devIds.map((id) => queryKey({ kind: 'id', id })));
    const run = await fineTune({
      sessions: crossFitted ? logged.filter((session) => !devKeys.has(queryKeyOf(session))) : logged,
      items: task.items,
      queries: task.queries,
      settings: training,
      validationQueries: crossFitted ? undefined : validationQueries,
      relevanceFrom: variant.training === 'supervised' ? 'events' : 'clicks',
      labelledSelection: variant.selection === 'labels' ? { queries: validationIds, relevance: task.relevance } : undefined,
      inService: round === 0 ? undefined : inService,
      inServiceFolds: crossFitted ? inServiceFolds : undefined,
      keepFolds: crossFitted,
      foldRunner: crossFitted ? foldRunner : undefined,
      onEpoch: async (record, adapter) => {
        curve.push(await evaluate(adapter, setup.testQueries));
        devCurve.push(await evaluate(adapter, devIds));
        log(
          `  ${roundName} epoch ${record.epoch + 1}: dev NDCG@10 ${devCurve.at(-1)?.toFixed(4)}, held-out ${curve.at(-1)?.toFixed(4)}${record.selectionScore !== null ? `, selection ${record.selectionScore.toFixed(4)}` : ''}`,
        );
      },
    });
    decisions.push(run.decision);
    candidates.push({ heldOut: await evaluate(run.adapter, setup.testQueries), dev: await evaluate(run.adapter, devIds) });
    log(`  ${roundName}: ${run.trainingLists} training lists; ${run.decision.reason}`);
    last = {
      curve,
      devCurve,
      selectionScores: run.result.history.map((record) => record.selectionScore),
      initialSelectionScore: run.inServiceScore,
      trainingLists: run.trainingLists,
    };
    if (run.decision.deploy) {
      inService.dispose();
      inService = run.adapter;
      for (const fold of inServiceFolds ?? []) fold.dispose();
      inServiceFolds = run.foldAdapters;
    } else {
      run.adapter.dispose();
      for (const fold of run.foldAdapters ?? []) fold.dispose();
    }
  }
  return finish({
    ...last,
    dev: devIds.length > 0 ? await evaluate(inService, devIds) : null,
    baseDev,
    decisions,
    candidates,
    deployed: decisions.some((decision) => decision.deploy),
    explorationShare: policy.explorationShare,
    loggingPolicy: policy.name,
    rounds,
    shownDcg: variant.training === 'supervised' ? null : shownDcg(logged, task.relevance),
  });
}

/** The top 50 of a model for the given queries: what it shows, and explores from. */
async function poolsOf(model: LinearAdapter, task: Task, queries: readonly string[]): Promise<SeedSetup['pools']> {
  const lists = await retrieveTopK(
    model,
    queries.map((id) => ({ kind: 'id', id }) as const),
    task.items,
    { k: 50 },
  );
  return new Map(queries.map((id, index) => [id, lists[index] ?? []]));
}

/** Mean DCG@10 of the logged lists in the order shown, with the label itself as the gain (linear). */
function shownDcg(sessions: readonly FineTuningInput[], relevance: Relevance): number {
  let total = 0;
  for (const session of sessions) {
    const grades = session.query.kind === 'id' ? relevance.get(session.query.id) : undefined;
    total += discountedCumulativeGain(session.results.slice(0, 10).map((id) => grades?.get(id) ?? 0));
  }
  return sessions.length === 0 ? 0 : total / sessions.length;
}

function pick(metrics: RankingMetrics): RankingMetrics {
  return { mrr: metrics.mrr, ndcg: metrics.ndcg, recall: metrics.recall };
}

export interface ExperimentResult {
  readonly settings: ExperimentSettings;
  readonly tasks: string[];
  readonly seeds: number[];
  readonly runs: VariantRun[];
}

export async function runExperiment(options: {
  tasks: readonly Task[];
  seeds: number[];
  variants?: readonly Variant[];
  settings?: Partial<ExperimentSettings>;
  log?: (line: string) => void;
  foldRunner?: FoldRunner;
}): Promise<ExperimentResult> {
  const settings = { ...EXPERIMENT_DEFAULTS, ...options.settings };
  const runs: VariantRun[] = [];
  for (const task of options.tasks) {
    for (const seed of options.seeds) {
      const setup = await setupSeed(seed, task);
      for (const variant of options.variants ?? VARIANTS) {
        const run = await runVariant(setup, variant, seed, settings, options.log, options.foldRunner);
        runs.push(run);
        const rounds = run.decisions
          .map((decision, round) => `${decision.deploy ? 'D' : 'k'} ${run.candidates[round]?.dev.toFixed(4)}/${run.candidates[round]?.heldOut.toFixed(4)}`)
          .join(', ');
        options.log?.(
          `${task.name} · ${variant.name}, seed ${seed}: held-out NDCG@10 ${run.heldOut.ndcg.toFixed(4)}${run.dev !== null ? `, dev ${run.dev.toFixed(4)}` : ''}${rounds ? ` [gate, candidate dev/held-out per round: ${rounds}]` : ''} (${run.seconds.toFixed(0)} s)`,
        );
      }
    }
  }
  return { settings, tasks: options.tasks.map((task) => task.name), seeds: options.seeds, runs };
}

/** Which weights the last round kept: the epoch (1-based) with the best criterion, or 0 for the model in service. */
export function keptEpoch(run: VariantRun): number {
  if (run.decisions.length > 0 && !(run.decisions.at(-1) as GateDecision).deploy) return 0;
  let best = run.initialSelectionScore ?? Number.NEGATIVE_INFINITY;
  let kept = 0;
  run.selectionScores.forEach((score, epoch) => {
    if (score !== null && score > best) {
      best = score;
      kept = epoch + 1;
    }
  });
  return kept;
}
