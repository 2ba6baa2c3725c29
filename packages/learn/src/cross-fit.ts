import { type FineTuningInput, InvalidOptionError, queryKeyOf } from '@clicktune/core';
import { type EpochRecord, FeaturesExtractor, type LinearAdapter, Trainer, type TrainerOptions, type TrainingResult } from '@clicktune/tensor';
import { type FoldTask, IN_PROCESS_FOLDS } from './folds';
import {
  clickJudgements,
  clickModelRelevance,
  eventRelevance,
  judgedNdcgPerQuery,
  queriesWithRelevant,
  queryKeysOfLog,
  relevanceSessions,
  sessionCountOf,
  startingCandidates,
} from './click-labels';
import type { FineTuneOptions, FineTunePlan, FineTuneRun } from './fine-tune';
import { deploymentGate } from './gate';
import { clickLogOf, extractorOptions, mean, selectionPrefix, selectionScore, settingsAdapter, tooFewClicks, untrained } from './recipe-parts';
import type { LearnSettings } from './settings';

/**
 * Which of `folds` folds a query belongs to: a hash of the seed and its key,
 * so a query keeps its fold when later rounds log new queries.
 */
export function foldOf(key: string, folds: number, seed: number): number {
  // FNV-1a, 32 bits.
  let hash = 0x811c9dc5;
  const text = `${seed}\u0000${key}`;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % folds;
}

/**
 * The recipe with cross-fitting (settings.folds = K ≥ 2): every logged query
 * is a validation query once. The queries are split into K folds; for each
 * fold an adapter is trained on the other folds' lists, and after every epoch
 * its click-judged NDCG@10 is measured on the fold's own judged queries. The
 * pooled out-of-fold scores choose the number of epochs and are what the gate
 * compares with the model in service — K times the evidence of one held-out
 * split. The adapter returned is trained on every list for the chosen number
 * of epochs.
 */
export async function crossFittedFineTune(
  options: FineTuneOptions,
  settings: LearnSettings,
  trainerOptions: (overrides: Partial<TrainerOptions>) => TrainerOptions,
): Promise<FineTuneRun> {
  const { items } = options;
  const log = clickLogOf(options, settings);
  const sessionCount = sessionCountOf(log);
  const queryCount = queryKeysOfLog(log).length;
  const folds = settings.folds;
  if (options.inServiceFolds && options.inServiceFolds.length !== folds)
    throw new InvalidOptionError(`inServiceFolds has ${options.inServiceFolds.length} adapters for ${folds} folds`, { location: { field: 'inServiceFolds' } });
  const fromEvents = options.relevanceFrom === 'events';
  const newAdapter = () => settingsAdapter(items, settings, options.queries);
  const start = options.adapter ?? newAdapter();
  const disposables: Array<{ dispose(): void }> = options.adapter ? [] : [start];
  try {
    const relevance = fromEvents ? eventRelevance(log as readonly FineTuningInput[]) : clickModelRelevance(log, settings.clickLabels);
    const starting = relevance.size === 0 ? null : await startingCandidates(start, log, items, { pool: settings.hardNegativePool, batchSize: settings.batchSize });
    const lists = starting ? relevanceSessions(log, relevance, { candidates: starting.candidates }) : [];
    const hardNegativePools = starting?.pools;
    const judgements = clickJudgements(log, { ...settings.clickLabels, minExamination: settings.minExamination, graded: settings.judgement === 'graded' });
    const judged = queriesWithRelevant(judgements);
    const criterion = { metric: 'click-judged NDCG@10', queries: `judged queries, out of fold (${folds}-fold cross-fitting)` };
    const plan: FineTunePlan = {
      trainSessions: sessionCount,
      validationSessions: sessionCount,
      validationQueries: queryCount,
      trainingLists: lists.length,
      selection: `the number of epochs with the best ${selectionPrefix(settings)}out-of-fold click-judged NDCG@10 over ${judged.length} judged queries (${folds}-fold cross-fitting; the untrained adapter competing)`,
    };
    options.onPlan?.(plan);
    const inServiceScores = judged.length > 0 ? await outOfFoldScores(options, judgements, judged, (key) => foldOf(key, folds, settings.seed), start) : null;
    const inServiceScore = inServiceScores ? mean(inServiceScores) : null;
    const empty: TrainingResult = untrained(inServiceScore);
    if (lists.length === 0 || !inServiceScores) {
      const why = lists.length === 0 ? tooFewClicks(sessionCount, 'sessions', settings) : 'no query has a click-judged relevant result';
      const adapter = options.adapter ?? newAdapter();
      return {
        ...plan,
        settings,
        adapter,
        result: empty,
        inServiceScore,
        decision: {
          deploy: false,
          criterion: `${criterion.metric} of ${criterion.queries}`,
          comparison: null,
          reason: `${why}: not enough evidence, keeping the model in service`,
        },
      };
    }
    // Out-of-fold scores after each epoch (0: the untrained adapter), in `judged` order.
    const position = new Map(judged.map((key, index) => [key, index]));
    const pooled = Array.from({ length: settings.epochs + 1 }, () => new Float64Array(judged.length));
    // With the untrained adapter in service, its scores are epoch 0's already.
    pooled[0]?.set(options.inService || options.inServiceFolds ? await judgedNdcgPerQuery(start, judgements, items) : inServiceScores);
    // Fold by fold: a fresh adapter trained on the other folds' lists, scored on the fold's own judged queries after every epoch.
    const tasks: FoldTask[] = Array.from({ length: folds }, (_, fold) => {
      const held = new Map([...judgements].filter(([key]) => foldOf(key, folds, settings.seed) === fold && position.has(key)));
      return {
        fold,
        settings,
        lists: lists.filter((list) => foldOf(queryKeyOf(list), folds, settings.seed) !== fold),
        held,
        heldKeys: queriesWithRelevant(held),
        hardNegativePools,
        keepWeights: options.keepFolds ?? false,
      };
    });
    // With a runner that trains several at once (threads), the adapter to serve trains beside the folds, for every epoch, and keeps each
    // epoch's weights: the chosen count's are those of a run of that many epochs (constant rate, no early stopping).
    // Not when a checkpoint is to be written or resumed, or training starts from the caller's adapter.
    const beside = options.foldRunner?.parallel === true && settings.patience === 0 && !options.adapter && !options.checkpointPath && !options.resumeFrom;
    const serving: FoldTask | null = beside ? { fold: folds, settings, lists, held: new Map(), heldKeys: [], hardNegativePools, keepWeights: true } : null;
    // The longest task first, so that it does not finish last.
    const ran = await (options.foldRunner ?? IN_PROCESS_FOLDS).run(serving ? [serving, ...tasks] : tasks, { items, queries: options.queries, signal: options.signal });
    const servingOutcome = serving ? ran[0] : undefined;
    const outcomes = serving ? ran.slice(1) : ran;
    const interrupted = outcomes.length < folds || outcomes.some((outcome) => outcome.interrupted) || (serving !== null && (!servingOutcome || servingOutcome.interrupted));
    const snapshots = outcomes.map((outcome) => outcome.weights);
    outcomes.forEach((outcome, fold) => {
      const { heldKeys } = tasks[fold] as FoldTask;
      heldKeys.forEach((key, index) => {
        const row = position.get(key) as number;
        // A fold with nothing to train on scores as the untrained adapter at every epoch.
        for (let epoch = 1; epoch < pooled.length; epoch += 1)
          (pooled[epoch] as Float64Array)[row] = outcome.trained ? ((outcome.scores[epoch - 1]?.[index] ?? 0) as number) : ((pooled[0] as Float64Array)[row] as number);
      });
    });
    if (interrupted)
      return {
        ...plan,
        settings,
        adapter: options.adapter ?? newAdapter(),
        result: { ...empty, interrupted: true },
        inServiceScore,
        decision: {
          deploy: false,
          criterion: `${criterion.metric} of ${criterion.queries}`,
          comparison: null,
          reason: 'interrupted before the gate could decide: keeping the model in service',
        },
      };
    const criterionByEpoch = pooled.map((scores) => selectionScore(scores, inServiceScores, settings));
    let chosen = 0;
    criterionByEpoch.forEach((value, epoch) => {
      if (value > (criterionByEpoch[chosen] as number)) chosen = epoch;
    });
    const decision = settings.gate.enabled
      ? deploymentGate(criterion, pooled[chosen] as Float64Array, inServiceScores, settings.gate)
      : { deploy: true, criterion: `${criterion.metric} of ${criterion.queries}`, comparison: null, reason: 'the gate is off: deploying the kept epoch without a test' };
    const foldAdapters = () =>
      options.keepFolds
        ? snapshots.map((fold) => {
            const weights = fold[Math.min(chosen, fold.length - 1)] ?? {};
            return settingsAdapter(items, settings, options.queries, weights);
          })
        : undefined;
    const bestSelectionScore = criterionByEpoch[chosen] ?? null;
    const scored = (record: EpochRecord): EpochRecord => ({ ...record, selectionScore: criterionByEpoch[record.epoch + 1] ?? null });
    if (servingOutcome) {
      // Trained beside the folds: the chosen epoch's weights, and its epochs reported now, each with its adapter.
      const history = servingOutcome.history.slice(0, chosen).map(scored);
      for (const record of history) {
        if (!options.onEpoch) break;
        const atEpoch = settingsAdapter(items, settings, options.queries, servingOutcome.weights[record.epoch + 1]);
        try {
          await options.onEpoch(record, atEpoch);
        } finally {
          atEpoch.dispose();
        }
      }
      const adapter = settingsAdapter(items, settings, options.queries, servingOutcome.weights[chosen]);
      const trained: TrainingResult = { ...empty, history, steps: chosen * Math.ceil(lists.length / settings.batchSize), bestSelectionScore };
      return { ...plan, settings, adapter, result: trained, inServiceScore, decision, foldAdapters: foldAdapters() };
    }
    // The adapter to serve: every list, the chosen number of epochs (none when the untrained adapter won).
    const adapter = options.adapter ?? newAdapter();
    if (adapter !== start) disposables.push(adapter);
    const final = new Trainer(new FeaturesExtractor(adapter, extractorOptions(options.queries, settings)), {
      ...trainerOptions({
        epochs: chosen,
        checkpointPath: options.checkpointPath,
        resumeFrom: options.resumeFrom,
        signal: options.signal,
        onBatch: options.onBatch,
        hardNegativePools,
      }),
      onEpoch: (record: EpochRecord) => options.onEpoch?.(scored(record), adapter),
    });
    try {
      const trained = chosen > 0 ? await final.train(lists, items, []) : empty;
      // Handed to the caller: not disposed here.
      if (adapter !== start) disposables.pop();
      return {
        ...plan,
        settings,
        adapter,
        result: { ...trained, history: trained.history.map(scored), bestSelectionScore },
        inServiceScore,
        decision,
        foldAdapters: foldAdapters(),
      };
    } finally {
      final.dispose();
    }
  } finally {
    for (const entry of disposables) entry.dispose();
  }
}

/**
 * The model in service's per-query scores, in `judged` order. When it was
 * itself cross-fitted, `inServiceFolds` stand in for it out of fold: query q
 * is scored by the fold adapter that never trained on q, so the comparison is
 * not tilted toward a model that has seen the validation queries.
 */
async function outOfFoldScores(
  options: FineTuneOptions,
  judgements: Map<string, Map<string, number>>,
  judged: readonly string[],
  foldOfKey: (key: string) => number,
  start: LinearAdapter,
): Promise<Float64Array> {
  const folds = options.inServiceFolds;
  if (!folds) return judgedNdcgPerQuery(options.inService ?? start, judgements, options.items);
  const scores = new Float64Array(judged.length);
  const position = new Map(judged.map((key, index) => [key, index]));
  for (const [fold, model] of folds.entries()) {
    const held = new Map([...judgements].filter(([key]) => position.has(key) && foldOfKey(key) === fold));
    const keys = queriesWithRelevant(held);
    if (keys.length === 0) continue;
    const foldScores = await judgedNdcgPerQuery(model, held, options.items);
    keys.forEach((key, index) => {
      scores[position.get(key) as number] = foldScores[index] as number;
    });
  }
  return scores;
}
