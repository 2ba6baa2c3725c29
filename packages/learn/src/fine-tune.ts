import { ClickCounts } from '@clicktune/confidence';
import { type FineTuningInput, heldOutQueries, type ItemsSet, queryKeyOf, type Relevance, SeededRandom } from '@clicktune/core';
import {
  type BatchProgress,
  type EmbeddingModel,
  type EpochRecord,
  evaluateRetrieval,
  FeaturesExtractor,
  type LinearAdapter,
  Trainer,
  type TrainerOptions,
  type TrainingResult,
} from '@clicktune/tensor';
import {
  type ClickLog,
  clickJudgements,
  clickModelRelevance,
  eventRelevance,
  judgedNdcgPerQuery,
  queriesWithRelevant,
  queryKeysOfLog,
  relevanceSessions,
  startingCandidates,
} from './click-labels';
import { crossFittedFineTune } from './cross-fit';
import type { FoldRunner } from './folds';
import { deploymentGate, type GateCriterion, type GateDecision } from './gate';
import { clickLogOf, extractorOptions, mean, selectionPrefix, selectionScore, settingsAdapter, tooFewClicks, trainerOptionsOf, untrained } from './recipe-parts';
import { type LearnSettings, type LearnSettingsInput, resolveSettings } from './settings';

export interface FineTuneOptions {
  /** The logged sessions. The clicktune method needs only their counts: pass `clicks` instead for a log read as a stream. */
  readonly sessions?: readonly FineTuningInput[];
  /** The log as (query, item, position) counts (`ClickCounts.fromStream(readSessions(file))`, or a SQL GROUP BY): clicktune method only. */
  readonly clicks?: ClickCounts;
  readonly items: ItemsSet;
  readonly queries?: ItemsSet;
  readonly settings?: LearnSettingsInput;
  /**
   * clicks (default): the click model calls which results are relevant.
   * events: the sessions' events are relevance already (e.g. labels turned
   * into sessions, for a supervised ceiling).
   */
  readonly relevanceFrom?: 'clicks' | 'events';
  /** The held-out validation queries (`queryKeyOf` keys); default: a seeded `validationFraction` of the logged queries. */
  readonly validationQueries?: ReadonlySet<string>;
  /** The adapter to train (default: a new identity adapter). */
  readonly adapter?: LinearAdapter;
  /**
   * The model users are served now (a later round of the loop): the gate
   * compares the kept epoch with it. Without it, the base embeddings (the
   * untrained adapter) are in service.
   */
  readonly inService?: EmbeddingModel;
  /**
   * With cross-fitting: the fold adapters of the run that trained the model in
   * service (its `foldAdapters`), which stand in for it on the queries each
   * never trained on. Without them, a model in service that trained on the
   * validation queries is compared in sample, which favours keeping it.
   */
  readonly inServiceFolds?: readonly EmbeddingModel[];
  /** With cross-fitting: hand back the fold adapters of the chosen epoch count (`foldAdapters`), for the next round's `inServiceFolds`. */
  readonly keepFolds?: boolean;
  /**
   * With cross-fitting: how the folds are trained — one after another in this
   * thread (the default), or `threadedFolds(...)` from
   * `@clicktune/learn/threads` (Node: in worker threads, several at a time).
   * The result is the same either way.
   */
  readonly foldRunner?: FoldRunner;
  /**
   * A small labelled set to choose the kept epoch with, and to gate on,
   * instead of clicks: full-catalogue NDCG@10 of these queries.
   */
  readonly labelledSelection?: { readonly queries: readonly string[]; readonly relevance: Relevance };
  readonly checkpointPath?: string;
  readonly resumeFrom?: string;
  readonly signal?: AbortSignal;
  readonly onBatch?: (progress: BatchProgress) => void;
  readonly onEpoch?: (record: EpochRecord, adapter: LinearAdapter) => void | Promise<void>;
  /** Called once before training with what it trains on, how it selects and what the gate compares on. */
  readonly onPlan?: (plan: FineTunePlan) => void;
}

export interface FineTunePlan {
  readonly trainSessions: number;
  readonly validationSessions: number;
  readonly validationQueries: number;
  /** Training lists (clicktune: one per query with a click-model relevant result; pairwise: the sessions). */
  readonly trainingLists: number;
  readonly selection: string;
  /**
   * The validation query with most of the validation sessions, when it has at least half of them
   * (a Zipf head query held out): the validation figures then mostly speak for that one query.
   */
  readonly dominantValidationQuery?: { readonly query: string; readonly sessions: number };
}

export interface FineTuneRun extends FineTunePlan {
  readonly settings: LearnSettings;
  /** The trained adapter at its kept epoch (the caller disposes it). */
  readonly adapter: LinearAdapter;
  readonly result: TrainingResult;
  /** The criterion's mean for the model in service (or the untrained adapter), when there is a criterion. */
  readonly inServiceScore: number | null;
  /** Whether `adapter` replaces the model in service, with the numbers. */
  readonly decision: GateDecision;
  /** With cross-fitting and `keepFolds`: one adapter per fold, trained without that fold's queries (the caller disposes them). */
  readonly foldAdapters?: LinearAdapter[];
}

interface Criterion extends GateCriterion {
  perQuery(model: EmbeddingModel): Promise<Float64Array>;
}

/**
 * One round of the recipe: hold out validation queries, turn the rest of the
 * logs into training lists (click-model relevance after the starting model's
 * top 20), train, keep the epoch the validation criterion rates best, and
 * let the deployment gate decide whether it replaces the model in service.
 */
export async function fineTune(options: FineTuneOptions): Promise<FineTuneRun> {
  const settings = resolveSettings(options.settings);
  const clickTune = settings.method === 'clicktune';
  const trainerOptions = (overrides: Partial<TrainerOptions>): TrainerOptions => trainerOptionsOf(settings, overrides);
  // Cross-fitting needs click judgements of every query; a labelled set or a fixed validation split asks for one held-out split.
  if (settings.folds > 1 && clickTune && !options.labelledSelection && !options.validationQueries) return crossFittedFineTune(options, settings, trainerOptions);
  const split = splitLog(options, settings);
  const fromEvents = options.relevanceFrom === 'events';
  const adapter = options.adapter ?? settingsAdapter(options.items, settings, options.queries);
  const owned = options.adapter === undefined;
  const trainer: { current?: Trainer } = {};
  try {
    const relevance = clickTune ? (fromEvents ? eventRelevance(split.train as readonly FineTuningInput[]) : clickModelRelevance(split.train, settings.clickLabels)) : undefined;
    // The starting adapter's top 20 head each list, so the listwise term also pushes down what it ranks too high.
    const starting =
      relevance && relevance.size > 0 ? await startingCandidates(adapter, split.train, options.items, { pool: settings.hardNegativePool, batchSize: settings.batchSize }) : null;
    const trainSessions = relevance
      ? starting
        ? relevanceSessions(split.train, relevance, { candidates: starting.candidates })
        : []
      : (split.train as readonly FineTuningInput[]);
    const criterion = criterionOf(options, settings, split.test);
    const inService = options.inService;
    const selection = selectionOf(settings, criterion, inService !== undefined, options.labelledSelection !== undefined);
    const plan: FineTunePlan = {
      trainSessions: split.trainSessions,
      validationSessions: split.testSessions,
      validationQueries: split.testQueries,
      trainingLists: trainSessions.length,
      selection,
      ...(split.dominant ? { dominantValidationQuery: split.dominant } : {}),
    };
    options.onPlan?.(plan);
    const inServiceScores = criterion ? await criterion.perQuery(inService ?? adapter) : null;
    const inServiceScore = inServiceScores ? mean(inServiceScores) : null;
    if (trainSessions.length === 0) {
      const why = relevance ? tooFewClicks(split.trainSessions, 'training sessions', settings) : 'no training session';
      return {
        ...plan,
        settings,
        adapter,
        result: untrained(inServiceScore),
        inServiceScore,
        decision: {
          deploy: false,
          criterion: criterion ? `${criterion.metric} of ${criterion.queries}` : 'none',
          comparison: null,
          reason: `${why}: not enough evidence, keeping the model in service`,
        },
      };
    }
    const extractor = new FeaturesExtractor(adapter, extractorOptions(options.queries, settings));
    // Epochs compete on the gate's own estimate (the lower bound of the gain over the model in service) or on the criterion's mean.
    const score = async () => (criterion ? selectionScore(await criterion.perQuery(adapter), inServiceScores, settings) : 0);
    const selectBy =
      criterion && (clickTune || options.labelledSelection)
        ? { name: `${selectionPrefix(settings)}${criterion.metric} of ${criterion.queries}`, evaluate: score, includeInitial: inService === undefined }
        : undefined;
    trainer.current = new Trainer(
      extractor,
      trainerOptions({
        checkpointPath: options.checkpointPath,
        resumeFrom: options.resumeFrom,
        signal: options.signal,
        onBatch: options.onBatch,
        onEpoch: (record) => options.onEpoch?.(record, adapter),
        selectBy,
        hardNegativePools: starting?.pools,
      }),
    );
    // The clicktune method selects on click judgements only: a pairwise validation loss over the validation sessions would be wasted work.
    const result = await trainer.current.train(trainSessions, options.items, clickTune ? [] : (split.test as readonly FineTuningInput[]));
    const decision = await decide(settings, criterion, adapter, inServiceScores);
    return { ...plan, settings, adapter, result, inServiceScore, decision };
  } catch (error) {
    if (owned) adapter.dispose();
    throw error;
  } finally {
    trainer.current?.dispose();
  }
}

async function decide(settings: LearnSettings, criterion: Criterion | undefined, adapter: EmbeddingModel, inServiceScores: Float64Array | null): Promise<GateDecision> {
  if (!settings.gate.enabled)
    return {
      deploy: true,
      criterion: criterion ? `${criterion.metric} of ${criterion.queries}` : 'none',
      comparison: null,
      reason: 'the gate is off: deploying the kept epoch without a test',
    };
  const candidateScores = criterion ? await criterion.perQuery(adapter) : null;
  return deploymentGate(criterion ?? { metric: 'click-judged NDCG@10', queries: 'judged validation queries' }, candidateScores, inServiceScores, settings.gate);
}

function criterionOf(options: FineTuneOptions, settings: LearnSettings, validation: ClickLog): Criterion | undefined {
  const labelled = options.labelledSelection;
  if (labelled) {
    if (labelled.queries.length === 0) return undefined;
    return {
      metric: 'NDCG@10 (qrels)',
      queries: 'labelled queries',
      perQuery: async (model) =>
        Float64Array.from((await evaluateRetrieval(model, labelled.queries, labelled.relevance, options.items, { k: 10 })).perQuery, (metrics) => metrics.ndcg),
    };
  }
  const judgements = clickJudgements(validation, { ...settings.clickLabels, minExamination: settings.minExamination, graded: settings.judgement === 'graded' });
  if (queriesWithRelevant(judgements).length === 0) return undefined;
  return { metric: 'click-judged NDCG@10', queries: 'judged validation queries', perQuery: (model) => judgedNdcgPerQuery(model, judgements, options.items) };
}

function selectionOf(settings: LearnSettings, criterion: Criterion | undefined, withInService: boolean, labelled: boolean): string {
  if (criterion && (settings.method === 'clicktune' || labelled)) {
    return `the epoch with the best ${selectionPrefix(settings)}${criterion.metric} of ${criterion.queries}${withInService ? '' : ' (the untrained adapter competing)'}${labelled ? ', not by clicks' : ''}`;
  }
  if (settings.method === 'clicktune') return 'the last epoch: no validation query has a click-judged relevant result to select with';
  return settings.patience > 0 ? 'the epoch with the lowest validation loss' : 'the last epoch';
}

interface LogSplit {
  readonly train: ClickLog;
  readonly test: ClickLog;
  readonly trainSessions: number;
  readonly testSessions: number;
  readonly testQueries: number;
  readonly dominant?: { readonly query: string; readonly sessions: number };
}

/** The query holding at least half of the sessions, if one does. */
function dominantQuery(sessionsByQuery: ReadonlyMap<string, number>, total: number): { query: string; sessions: number } | undefined {
  let top: { query: string; sessions: number } | undefined;
  for (const [query, sessions] of sessionsByQuery) if (!top || sessions > top.sessions) top = { query, sessions };
  return top && total > 0 && top.sessions * 2 >= total ? top : undefined;
}

/** Held-out validation queries (the given ones, or a seeded share) with all their sessions; the rest trains. */
function splitLog(options: FineTuneOptions, settings: LearnSettings): LogSplit {
  const log = clickLogOf(options, settings);
  const held = options.validationQueries ?? heldOutOf(log, settings);
  if (log instanceof ClickCounts) {
    const train = log.restrictedTo((key) => !held.has(key));
    const test = log.restrictedTo((key) => held.has(key));
    const dominant = dominantQuery(new Map(test.queries().map((key) => [key, test.sessionsOf(key)])), test.sessions);
    return { train, test, trainSessions: train.sessions, testSessions: test.sessions, testQueries: test.queries().length, dominant };
  }
  const split = { train: [] as FineTuningInput[], test: [] as FineTuningInput[] };
  const byQuery = new Map<string, number>();
  for (const session of log) {
    const key = queryKeyOf(session);
    if (!held.has(key)) {
      split.train.push(session);
      continue;
    }
    split.test.push(session);
    byQuery.set(key, (byQuery.get(key) ?? 0) + 1);
  }
  return { ...split, trainSessions: split.train.length, testSessions: split.test.length, testQueries: byQuery.size, dominant: dominantQuery(byQuery, split.test.length) };
}

/** The held-out validation queries of a log (keys), as `fineTune` draws them: the same for every round of the same seed. */
export function validationQueriesOf(log: ClickLog, settings: LearnSettingsInput = {}): Set<string> {
  return heldOutOf(log, resolveSettings(settings));
}

function heldOutOf(log: ClickLog, settings: LearnSettings): Set<string> {
  return heldOutQueries(queryKeysOfLog(log), { testFraction: settings.validationFraction, random: SeededRandom.fromSeed(settings.seed) });
}
