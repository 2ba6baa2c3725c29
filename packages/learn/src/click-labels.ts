import { ClickCounts, estimatePropensitiesEm } from '@clicktune/confidence';
import { DEFAULT_EXAMINATION_PROPENSITIES, FineTuningInput, type ItemsSet, type QueryReference, queryKeyOf, queryOfKey, rankingMetrics } from '@clicktune/core';
import { type EmbeddingModel, type ListwiseOptions, retrieveTopK, scoreSessions } from '@clicktune/tensor';

/*
 * Click labels: click-model relevance instead of raw clicks (for training
 * lists) and click judgements (for selecting and gating on held-out
 * queries). Maps here are keyed by `queryKeyOf` (`id:…`, `text:…`, `embedding:…`).
 * Each works on the sessions or on their `ClickCounts` (what a stream or a
 * SQL GROUP BY gives): the counts are all they need.
 */

/** A click log: the sessions, or their (query, item, position) counts. */
export type ClickLog = readonly FineTuningInput[] | ClickCounts;

/** The log's distinct queries (`queryKeyOf` keys), in first-seen order. */
export function queryKeysOfLog(log: ClickLog): string[] {
  return log instanceof ClickCounts ? log.queries() : [...new Set(log.map(queryKeyOf))];
}

/** How many sessions the log holds. */
export function sessionCountOf(log: ClickLog): number {
  return log instanceof ClickCounts ? log.sessions : log.length;
}

/** The log's counts (top 10 positions), counted once when given sessions. */
export function clickCountsOf(log: ClickLog): ClickCounts {
  return log instanceof ClickCounts ? log : ClickCounts.fromSessions(log, 10);
}
export interface ClickLabelOptions {
  /** A pair is relevant when its attractiveness γ (with θ₁ rescaled to `topExamination`) reaches this… */
  readonly threshold?: number;
  /** …and it was clicked at least this often (single noise clicks are filtered out). */
  readonly minClicks?: number;
  /** θ of the top position that EM's scale-free estimates are rescaled to (ULTRA's 0.68). */
  readonly topExamination?: number;
}

/** The listwise term of ClickTune's training (pairwise weight 0): 64 catalogue and 5 hard negatives per positive. */
export const CLICKTUNE_LISTWISE: Omit<ListwiseOptions, 'weight'> = { catalogueNegatives: 64, hardNegatives: 5 };

interface PairEvidence {
  readonly query: string;
  readonly item: string;
  readonly relevant: boolean;
  /** The click model's attractiveness γ, with θ₁ rescaled to `topExamination` (clipped to [0, 1]). */
  readonly attractiveness: number;
  /** Σ θ over the pair's impressions: how often users are expected to have looked at it. */
  readonly examinations: number;
}

function pairEvidence(log: ClickLog, options: ClickLabelOptions): PairEvidence[] {
  const counts = clickCountsOf(log);
  if (counts.size === 0) return [];
  const estimate = estimatePropensitiesEm(counts, { positions: 10 });
  // θ is identified only up to scale: fix the top position's.
  const scale = (estimate.propensities[0] as number) / (options.topExamination ?? (DEFAULT_EXAMINATION_PROPENSITIES[0] as number));
  const examined = new Map<string, number>();
  for (const cell of counts.cells()) {
    const key = `${cell.query}\u0000${cell.item}`;
    examined.set(key, (examined.get(key) ?? 0) + (cell.impressions * (estimate.propensities[Math.min(cell.position, 9)] as number)) / scale);
  }
  return estimate.pairs.map((pair) => ({
    query: pair.query,
    item: pair.item,
    relevant: pair.attractiveness * scale >= (options.threshold ?? 0.5) && pair.clicks >= (options.minClicks ?? 2),
    attractiveness: Math.min(1, Math.max(0, pair.attractiveness * scale)),
    examinations: examined.get(`${pair.query}\u0000${pair.item}`) ?? 0,
  }));
}

function group(pairs: readonly PairEvidence[], grade: (pair: PairEvidence) => number | null): Map<string, Map<string, number>> {
  const byQuery = new Map<string, Map<string, number>>();
  for (const pair of pairs) {
    const value = grade(pair);
    if (value === null) continue;
    const grades = byQuery.get(pair.query) ?? new Map<string, number>();
    grades.set(pair.item, value);
    byQuery.set(pair.query, grades);
  }
  return byQuery;
}

/**
 * Click-model relevance (Chapelle & Zhang, 2009): the PBM's EM estimates each
 * (query, item)'s attractiveness γ from all sessions of the query; a pair
 * with γ ≥ threshold and at least minClicks clicks is relevant (grade 1).
 */
export function clickModelRelevance(log: ClickLog, options: ClickLabelOptions = {}): Map<string, Map<string, number>> {
  return group(pairEvidence(log, options), (pair) => (pair.relevant ? 1 : null));
}

/**
 * Click judgements for evaluation with incomplete judgements: relevant as in
 * `clickModelRelevance` (1), not relevant when users are expected to have
 * examined the pair at least `minExamination` times without it qualifying
 * (0), and left unjudged otherwise — too little evidence either way.
 * `graded`: the same pairs are judged, each with its attractiveness γ as the
 * grade (in [0, 1]) instead of 1 or 0, so a query with a clicked but not
 * relevant result can still be scored.
 */
export function clickJudgements(log: ClickLog, options: ClickLabelOptions & { minExamination?: number; graded?: boolean } = {}): Map<string, Map<string, number>> {
  const minExamination = options.minExamination ?? 4;
  if (options.graded) return group(pairEvidence(log, options), (pair) => (pair.relevant || pair.examinations >= minExamination ? pair.attractiveness : null));
  return group(pairEvidence(log, options), (pair) => (pair.relevant ? 1 : pair.examinations >= minExamination ? 0 : null));
}

function sessionInit(query: QueryReference): string | { text: string } | { embedding: number[] } {
  if (query.kind === 'id') return query.id;
  if (query.kind === 'text') return { text: query.text };
  return { embedding: Array.from(query.embedding) };
}

/** The queries with at least one relevant judgement: the only ones a ranking metric can score. */
export function queriesWithRelevant(judgements: ReadonlyMap<string, ReadonlyMap<string, number>>): string[] {
  return [...judgements].filter(([, grades]) => [...grades.values()].some((grade) => grade > 0)).map(([query]) => query);
}

/**
 * Condensed-list NDCG@10 (Sakai, 2007) per query: each query's judged items
 * only, re-ranked by the model; queries without a relevant judgement are left
 * out. The scores follow `queriesWithRelevant`'s order, so two models' scores
 * pair query by query.
 */
export async function judgedNdcgPerQuery(model: EmbeddingModel, judgements: ReadonlyMap<string, ReadonlyMap<string, number>>, items: ItemsSet): Promise<Float64Array> {
  const queries = queriesWithRelevant(judgements);
  if (queries.length === 0) return new Float64Array(0);
  const probes = queries.map((query) => FineTuningInput.create({ query: sessionInit(queryOfKey(query)), results: [...(judgements.get(query)?.keys() ?? [])] }));
  const scores = await scoreSessions(model, probes, items);
  return Float64Array.from(
    probes,
    (probe, index) =>
      rankingMetrics(
        scores[index] as Float32Array,
        probe.results.map((id) => judgements.get(queries[index] as string)?.get(id) ?? 0),
        10,
      ).ndcg,
  );
}

/** The mean of `judgedNdcgPerQuery` (0 when no query has a relevant judgement). */
export async function judgedNdcg(model: EmbeddingModel, judgements: ReadonlyMap<string, ReadonlyMap<string, number>>, items: ItemsSet): Promise<number> {
  const scores = await judgedNdcgPerQuery(model, judgements, items);
  return scores.length === 0 ? 0 : scores.reduce((sum, value) => sum + value, 0) / scores.length;
}

/**
 * Training sessions from click-model relevance: one per query with a
 * relevant pair, the relevant results as the events. The list is the
 * query's `candidates` (e.g. the top 20 of the model before training, so
 * the listwise term also pushes down what that model wrongly ranked high)
 * followed by the relevant results, or, without candidates, every result
 * the logs showed for it (first-seen order). Queries with no relevant pair
 * are left out: the listwise term needs a positive.
 */
export function relevanceSessions(
  log: ClickLog,
  relevance: ReadonlyMap<string, ReadonlyMap<string, number>>,
  options: { candidates?: ReadonlyMap<string, readonly string[]> } = {},
): FineTuningInput[] {
  const shown = shownResults(log);
  const labelled: FineTuningInput[] = [];
  for (const [key, entry] of shown) {
    const relevant = [...(relevance.get(key)?.keys() ?? [])].filter((id) => entry.items.has(id));
    if (relevant.length === 0) continue;
    const candidates = options.candidates?.get(key);
    const results = candidates ? [...new Set([...candidates, ...relevant])] : [...entry.items];
    // Display order as the search scores (the pairwise term, when weighted, needs some).
    labelled.push(FineTuningInput.create({ query: sessionInit(entry.query), results, events: relevant, ranks: results.map((id, index) => [id, -index] as const) }));
  }
  return labelled;
}

/** Each query of a log with the results it was shown (first-seen order; counts hold the top 10 positions only). */
function shownResults(log: ClickLog): Map<string, { query: QueryReference; items: Set<string> }> {
  const shown = new Map<string, { query: QueryReference; items: Set<string> }>();
  if (log instanceof ClickCounts) {
    for (const key of log.queries()) shown.set(key, { query: log.queryReference(key) as QueryReference, items: new Set() });
    for (const cell of log.cells()) shown.get(cell.query)?.items.add(cell.item);
    return shown;
  }
  for (const session of log) {
    const key = queryKeyOf(session);
    const entry = shown.get(key) ?? { query: session.query, items: new Set<string>() };
    for (const id of session.results) entry.items.add(id);
    shown.set(key, entry);
  }
  return shown;
}

/** The top `k` of a model for every query of the log, keyed by `queryKeyOf`: candidates for `relevanceSessions`. */
export async function topCandidates(model: EmbeddingModel, log: ClickLog, items: ItemsSet, k = LIST_HEAD): Promise<Map<string, string[]>> {
  const queries = new Map<string, QueryReference>();
  if (log instanceof ClickCounts) for (const key of log.queries()) queries.set(key, log.queryReference(key) as QueryReference);
  else for (const session of log) queries.set(queryKeyOf(session), session.query);
  const lists = await retrieveTopK(model, [...queries.values()], items, { k });
  return new Map([...queries.keys()].map((key, index) => [key, (lists[index] ?? []).map((entry) => entry.id)]));
}

/** What training starts from: each list's head, and — for a large catalogue — where the trainer looks for hard negatives. */
export interface StartingCandidates {
  /** The starting model's top 20 per logged query (`queryKeyOf` keys): candidates for `relevanceSessions`. */
  readonly candidates: Map<string, string[]>;
  /** The starting model's top `pool` catalogue rows per logged query, when the catalogue has more than `batchSize × pool` items (the trainer's `hardNegativePools`). */
  readonly pools?: Map<string, Int32Array>;
}

/**
 * One retrieval pass of the starting model for both: its top 20 head the
 * training lists; when the catalogue is larger than a batch's pools could
 * cover (`batchSize × pool` items), its top `pool` rows per query are where
 * the trainer looks for hard negatives, instead of scoring the whole
 * catalogue at every step. A smaller catalogue is always scored whole.
 */
export async function startingCandidates(
  model: EmbeddingModel,
  log: ClickLog,
  items: ItemsSet,
  options: { readonly pool: number; readonly batchSize: number },
): Promise<StartingCandidates> {
  const pooled = options.pool > 0 && items.size > options.batchSize * options.pool;
  const top = await topCandidates(model, log, items, pooled ? Math.max(LIST_HEAD, options.pool) : LIST_HEAD);
  if (!pooled) return { candidates: top };
  return {
    candidates: new Map([...top].map(([key, ids]) => [key, ids.slice(0, LIST_HEAD)])),
    pools: new Map([...top].map(([key, ids]) => [key, items.rowsOf(ids.slice(0, options.pool))])),
  };
}

/** How many of the starting model's results head each training list. */
const LIST_HEAD = 20;

/** Each query's events as relevance (grade 1): for sessions whose events are labels already. */
export function eventRelevance(sessions: readonly FineTuningInput[]): Map<string, Map<string, number>> {
  const relevance = new Map<string, Map<string, number>>();
  for (const session of sessions) {
    if (session.events.length === 0) continue;
    const key = queryKeyOf(session);
    const grades = relevance.get(key) ?? new Map<string, number>();
    for (const id of session.events) grades.set(id, 1);
    relevance.set(key, grades);
  }
  return relevance;
}
