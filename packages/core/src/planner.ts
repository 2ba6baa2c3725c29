import { DimensionMismatchError, InvalidOptionError, InvalidSessionError, MissingItemsError } from './errors';
import { validateDifferenceBounds } from './features';
import type { ItemsSet } from './items';
import type { SeededRandom } from './random';
import type { FineTuningInput, QueryReference } from './session';
import { queryKey } from './split';

/** `(object search scores, object clicks) → one confidence per object`, objects in display order. */
export type ConfidenceFunction = (objectRanks: Float32Array, clicks: Float32Array) => Float32Array;
/** Reduces the values of an object's parts (search scores or 0/1 clicks) to one number. */
export type ReduceFunction = (values: Float32Array) => number;
/** Search scores for a session whose log has none, aligned with `input.results` (DESIGN.md step 4). */
export type SearchScoresFunction = (input: FineTuningInput, sessionIndex: number) => ArrayLike<number>;

export interface BatchPlanOptions {
  /** Ranks are similarities (target +1) or distances (target −1). Default true. */
  isSimilarity?: boolean;
  /** Share of negative objects to keep, in (0, 1]; default 1. */
  negativeDownsamplingFactor?: number;
  /** Strict bounds on |pos − neg| applied by the executors (DESIGN.md step 7). Defaults 0 and 1. */
  minAbsDifference?: number;
  maxAbsDifference?: number;
  /** Skip irrelevant sessions (default true); false pairs each with a relevant one (step 8). */
  notIrrelevantOnly?: boolean;
  /** Shuffle the irrelevant list (seeded) before cycling it against the relevant one. Default false. */
  shuffleIrrelevant?: boolean;
  confidenceCalculator: ConfidenceFunction;
  /** Plain ranks aggregator, used on the parts' search scores for confidences. */
  aggregateSearchScores: ReduceFunction;
  /** Clicks aggregator over the parts' 0/1 clicks; an object is positive when it gives > 0. */
  aggregateClicks: ReduceFunction;
  /** Scores sessions logged without search scores (a no-grad pass of the current model). */
  searchScores?: SearchScoresFunction;
  /** What to do with a session that names an item the catalogue lacks: `error` (default) or `skip` (reported). */
  missingItems?: 'error' | 'skip';
}

export type ResolvedBatchPlanOptions = Required<Omit<BatchPlanOptions, 'searchScores'>> & Pick<BatchPlanOptions, 'searchScores'>;

/** Why a session contributed no pairs (or only some). */
export type SkipReason = 'irrelevant' | 'events-missing' | 'no-negatives' | 'no-relevant-to-pair' | 'nothing-to-borrow' | 'missing-items';

export interface SkippedSession {
  readonly session: number;
  readonly reason: SkipReason;
  readonly detail?: string;
}

/** What a batch became: never a silent drop. */
export interface PlanReport {
  readonly sessions: number;
  readonly relevantSessions: number;
  readonly irrelevantSessions: number;
  readonly pairs: number;
  readonly borrowedPairs: number;
  readonly skipped: readonly SkippedSession[];
}

/**
 * A whole batch compiled to flat arrays (DESIGN.md "The batch plan"). The
 * executors embed `queries` and the catalogue rows `itemRows`, score every
 * part against its query, aggregate parts into objects by segment, gather
 * the pairs and filter them; they decide nothing else.
 */
export interface BatchPlan {
  /** Unique catalogue rows to embed, and their ids. */
  readonly itemRows: Int32Array;
  readonly itemIds: readonly string[];
  /** Unique queries to embed. */
  readonly queries: readonly QueryReference[];
  /** Per part: index into itemRows / queries, and its object. */
  readonly partItem: Int32Array;
  readonly partQuery: Int32Array;
  readonly partObject: Int32Array;
  /** Parts of object o are partItem[objectPartOffsets[o] .. objectPartOffsets[o + 1]). */
  readonly objectPartOffsets: Int32Array;
  readonly objectIds: readonly string[];
  readonly objectSession: Int32Array;
  /** Per pair: positive and negative object, their confidences, target and the session the negative came from. */
  readonly pairPositive: Int32Array;
  readonly pairNegative: Int32Array;
  readonly pairPositiveConfidence: Float32Array;
  readonly pairNegativeConfidence: Float32Array;
  readonly pairTarget: Float32Array;
  readonly pairSession: Int32Array;
  readonly isSimilarity: boolean;
  readonly minAbsDifference: number;
  readonly maxAbsDifference: number;
  readonly report: PlanReport;
}

/** Validates options and fills the defaults of DESIGN.md "Semantics". */
export function resolveBatchPlanOptions(options: BatchPlanOptions): ResolvedBatchPlanOptions {
  const factor = options.negativeDownsamplingFactor ?? 1;
  if (!(factor > 0 && factor <= 1)) {
    // ORIGINAL_BUGS E1: the original's range [0, 1) rejected its own default.
    throw new InvalidOptionError(`negativeDownsamplingFactor must be in (0, 1], got ${factor}`, {
      location: { field: 'negativeDownsamplingFactor' },
    });
  }
  const minAbsDifference = options.minAbsDifference ?? 0;
  const maxAbsDifference = options.maxAbsDifference ?? 1;
  validateDifferenceBounds(minAbsDifference, maxAbsDifference);
  for (const name of ['confidenceCalculator', 'aggregateSearchScores', 'aggregateClicks'] as const) {
    if (typeof options[name] !== 'function') throw new InvalidOptionError(`${name} must be a function`, { location: { field: name } });
  }
  const missingItems = options.missingItems ?? 'error';
  if (missingItems !== 'error' && missingItems !== 'skip') {
    throw new InvalidOptionError(`missingItems must be "error" or "skip", got ${String(missingItems)}`, { location: { field: 'missingItems' } });
  }
  return {
    isSimilarity: options.isSimilarity ?? true,
    negativeDownsamplingFactor: factor,
    minAbsDifference,
    maxAbsDifference,
    notIrrelevantOnly: options.notIrrelevantOnly ?? true,
    shuffleIrrelevant: options.shuffleIrrelevant ?? false,
    confidenceCalculator: options.confidenceCalculator,
    aggregateSearchScores: options.aggregateSearchScores,
    aggregateClicks: options.aggregateClicks,
    searchScores: options.searchScores,
    missingItems,
  };
}

/** DESIGN.md step 3: how many negative objects to keep: max(1, ⌊factor × n⌋) when n > 0. */
export function downsampledCount(negativeObjects: number, factor: number): number {
  return negativeObjects === 0 ? 0 : Math.max(1, Math.floor(factor * negativeObjects));
}

/**
 * DESIGN.md step 8: pairs relevant with irrelevant sessions by cycling the
 * shorter list (the irrelevant list optionally shuffled first, seeded).
 * Returns index pairs into `sessions`.
 */
export function pairRelevantWithIrrelevant(
  relevant: readonly number[],
  irrelevant: readonly number[],
  options: { shuffle?: boolean; random?: SeededRandom } = {},
): Array<[number, number]> {
  if (relevant.length === 0 || irrelevant.length === 0) return [];
  const irrelevantOrder = [...irrelevant];
  if (options.shuffle) {
    if (!options.random) throw new InvalidOptionError('shuffling the irrelevant sessions needs a seeded random source');
    options.random.shuffle(irrelevantOrder);
  }
  const count = Math.max(relevant.length, irrelevantOrder.length);
  return Array.from({ length: count }, (_, index) => [relevant[index % relevant.length] as number, irrelevantOrder[index % irrelevantOrder.length] as number]);
}

/** One session's objects (steps 1, 2 and 4), before downsampling. */
export interface SessionObjects {
  readonly ids: string[];
  /** Result indices of each object's parts, in display order. */
  readonly parts: number[][];
  readonly clicked: boolean[];
  readonly confidences: Float32Array;
}

class PlanBuilder {
  private readonly itemIndex = new Map<number, number>();
  readonly itemRows: number[] = [];
  readonly itemIds: string[] = [];
  private readonly queryIndex = new Map<string, number>();
  readonly queries: QueryReference[] = [];
  readonly partItem: number[] = [];
  readonly partQuery: number[] = [];
  readonly partObject: number[] = [];
  readonly objectPartOffsets: number[] = [0];
  readonly objectIds: string[] = [];
  readonly objectSession: number[] = [];
  readonly pairPositive: number[] = [];
  readonly pairNegative: number[] = [];
  readonly pairPositiveConfidence: number[] = [];
  readonly pairNegativeConfidence: number[] = [];
  readonly pairSession: number[] = [];
  borrowedPairs = 0;

  queryOf(input: FineTuningInput, session: number): number {
    const query = input.query;
    // Vectors are not compared: each session's embedding query is a query of its own.
    const key = query.kind === 'embedding' ? `session ${session}` : queryKey(query);
    let index = this.queryIndex.get(key);
    if (index === undefined) {
      index = this.queries.length;
      this.queryIndex.set(key, index);
      this.queries.push(query);
    }
    return index;
  }

  /** Adds an object with its parts (`rows`: the catalogue row of each of the session's results); returns its object index. */
  addObject(input: FineTuningInput, session: number, queryRow: number, objectId: string, parts: readonly number[], rows: Int32Array): number {
    const object = this.objectIds.length;
    for (const resultIndex of parts) {
      const row = rows[resultIndex] as number;
      let item = this.itemIndex.get(row);
      if (item === undefined) {
        item = this.itemRows.length;
        this.itemIndex.set(row, item);
        this.itemRows.push(row);
        this.itemIds.push(input.results[resultIndex] as string);
      }
      this.partItem.push(item);
      this.partQuery.push(queryRow);
      this.partObject.push(object);
    }
    this.objectPartOffsets.push(this.partItem.length);
    this.objectIds.push(objectId);
    this.objectSession.push(session);
    return object;
  }

  addPair(positive: number, negative: number, positiveConfidence: number, negativeConfidence: number, session: number): void {
    this.pairPositive.push(positive);
    this.pairNegative.push(negative);
    this.pairPositiveConfidence.push(positiveConfidence);
    this.pairNegativeConfidence.push(negativeConfidence);
    this.pairSession.push(session);
  }
}

/** Steps 1, 2 and 4 for one session: objects in display order, clicks, and confidences over all of them. */
export function describeSessionObjects(input: FineTuningInput, session: number, options: ResolvedBatchPlanOptions): SessionObjects {
  const objectOfResult = new Map<string, number>();
  const ids: string[] = [];
  const parts: number[][] = [];
  input.results.forEach((resultId, resultIndex) => {
    const objectId = input.objectOf(resultId);
    let object = objectOfResult.get(objectId);
    if (object === undefined) {
      object = ids.length;
      objectOfResult.set(objectId, object);
      ids.push(objectId);
      parts.push([]);
    }
    parts[object]?.push(resultIndex);
  });

  let scores: ArrayLike<number>;
  if (input.ranks) {
    const ranks = input.ranks;
    scores = input.results.map((id) => ranks.get(id) as number);
  } else {
    if (!options.searchScores) {
      throw new InvalidSessionError('has no search scores (ranks is null) and no model was given to score it', {
        location: { field: `batch[${session}].ranks` },
      });
    }
    scores = options.searchScores(input, session);
    if (scores.length !== input.results.length) {
      throw new InvalidOptionError(`searchScores returned ${scores.length} scores for ${input.results.length} results`, {
        location: { field: `batch[${session}]` },
      });
    }
  }

  const objectScores = new Float32Array(ids.length);
  const objectClicks = new Float32Array(ids.length);
  const clicked: boolean[] = [];
  // Plain loops: this runs once per displayed object of every session planned (the planner's hot path).
  for (let object = 0; object < parts.length; object += 1) {
    const resultIndices = parts[object] as number[];
    const partScores = new Float32Array(resultIndices.length);
    const partClicks = new Float32Array(resultIndices.length);
    for (let part = 0; part < resultIndices.length; part += 1) {
      const resultIndex = resultIndices[part] as number;
      partScores[part] = scores[resultIndex] as number;
      partClicks[part] = input.isEvent(input.results[resultIndex] as string) ? 1 : 0;
    }
    objectScores[object] = options.aggregateSearchScores(partScores);
    const clicks = options.aggregateClicks(partClicks);
    objectClicks[object] = clicks;
    clicked.push(clicks > 0);
  }
  // One call per session over all displayed objects (ORIGINAL_BUGS E4).
  const confidences = options.confidenceCalculator(objectScores, objectClicks);
  if (confidences.length !== ids.length) {
    throw new InvalidOptionError(`the confidence calculator returned ${confidences.length} values for ${ids.length} objects`, {
      location: { field: 'confidenceCalculator' },
    });
  }
  for (let object = 0; object < confidences.length; object += 1) {
    if (!Number.isFinite(confidences[object])) {
      throw new InvalidOptionError(`the confidence calculator returned a non-finite value for object ${JSON.stringify(ids[object])}`, {
        location: { field: 'confidenceCalculator' },
      });
    }
  }
  return { ids, parts, clicked, confidences };
}

/** Step 3: the negative objects kept, in display order (without replacement, seeded). */
export function keptNegatives(objects: SessionObjects, factor: number, random: SeededRandom): number[] {
  const negatives: number[] = [];
  objects.clicked.forEach((isClicked, object) => {
    if (!isClicked) negatives.push(object);
  });
  const count = downsampledCount(negatives.length, factor);
  if (count === negatives.length) return negatives;
  return Array.from(random.sampleIndices(negatives.length, count), (index) => negatives[index] as number);
}

/** The catalogue row of each result (−1 where the catalogue lacks it), looked up once per session. */
function resultRows(input: FineTuningInput, items: ItemsSet): Int32Array {
  const rows = new Int32Array(input.results.length);
  for (let index = 0; index < rows.length; index += 1) rows[index] = items.rowOf(input.results[index] as string);
  return rows;
}

/**
 * Compiles a batch of sessions into a BatchPlan, following DESIGN.md
 * "Semantics" steps 1–6 and 8–9 (step 7, the filter, needs the model's ranks
 * and is applied by the executors on the plan's bounds). Deterministic for a
 * given `random` state; it consumes randomness only to downsample and to
 * shuffle irrelevant sessions.
 */
export function planBatch(
  sessions: readonly FineTuningInput[],
  items: ItemsSet,
  planOptions: BatchPlanOptions | ResolvedBatchPlanOptions,
  random: SeededRandom,
  context: { queries?: ItemsSet } = {},
): BatchPlan {
  const options = resolveBatchPlanOptions(planOptions);
  const builder = new PlanBuilder();
  const skipped: SkippedSession[] = [];
  const relevant: number[] = [];
  const irrelevant: number[] = [];
  const missingIds = new Set<string>();
  const missingQueries = new Set<string>();
  const sessionRows: Int32Array[] = new Array(sessions.length);

  sessions.forEach((input, session) => {
    const query = input.query;
    if (query.kind === 'id' && context.queries && !context.queries.has(query.id)) missingQueries.add(query.id);
    if (query.kind === 'embedding' && items.dimension > 0 && query.embedding.length !== items.dimension) {
      throw new DimensionMismatchError(`query embedding has length ${query.embedding.length}, items have ${items.dimension}`, {
        location: { field: `batch[${session}].query` },
      });
    }
    const rows = resultRows(input, items);
    sessionRows[session] = rows;
    const missing = rows.includes(-1) ? input.results.filter((_, index) => rows[index] === -1) : [];
    if (missing.length > 0) {
      if (options.missingItems === 'skip') {
        skipped.push({ session, reason: 'missing-items', detail: missing.slice(0, 5).join(', ') });
        return;
      }
      for (const id of missing) missingIds.add(id);
      return;
    }
    if (input.events.length === 0 && input.droppedEvents.length > 0) {
      // Step 9: clicks were logged but none is among the results.
      skipped.push({ session, reason: 'events-missing', detail: input.droppedEvents.join(', ') });
    } else if (input.isIrrelevant) {
      irrelevant.push(session);
    } else {
      relevant.push(session);
    }
  });
  if (missingIds.size > 0) throw new MissingItemsError([...missingIds], { location: { field: 'results' } });
  if (missingQueries.size > 0) throw new MissingItemsError([...missingQueries], { location: { field: 'query' }, what: 'query' });

  // Relevant sessions: their own pairs (steps 1–6). Positive objects stay addressable for borrowing.
  const positivesOf = new Map<number, { pairs: Array<[number, number]>; confidences: number[] }>();
  for (const session of relevant) {
    const input = sessions[session] as FineTuningInput;
    const objects = describeSessionObjects(input, session, options);
    const negatives = keptNegatives(objects, options.negativeDownsamplingFactor, random);
    if (negatives.length === 0) {
      skipped.push({ session, reason: 'no-negatives', detail: 'every displayed object was clicked' });
      positivesOf.set(session, { pairs: [], confidences: [] });
      continue;
    }
    const queryRow = builder.queryOf(input, session);
    const planObject = new Map<number, number>();
    const kept = new Set(negatives);
    objects.ids.forEach((objectId, object) => {
      if (objects.clicked[object] || kept.has(object)) {
        planObject.set(object, builder.addObject(input, session, queryRow, objectId, objects.parts[object] as number[], sessionRows[session] as Int32Array));
      }
    });
    const pairs: Array<[number, number]> = [];
    const confidences: number[] = [];
    objects.clicked.forEach((isClicked, positive) => {
      if (!isClicked) return;
      for (const negative of negatives) {
        const positiveConfidence = objects.confidences[positive] as number;
        builder.addPair(planObject.get(positive) as number, planObject.get(negative) as number, positiveConfidence, objects.confidences[negative] as number, session);
        pairs.push([planObject.get(positive) as number, planObject.get(negative) as number]);
        confidences.push(positiveConfidence);
      }
    });
    positivesOf.set(session, { pairs, confidences });
  }

  // Irrelevant sessions: skipped, or negatives-only features that borrow positives (step 8).
  if (options.notIrrelevantOnly) {
    for (const session of irrelevant) skipped.push({ session, reason: 'irrelevant' });
  } else if (relevant.length === 0) {
    for (const session of irrelevant) skipped.push({ session, reason: 'no-relevant-to-pair' });
  } else {
    const pairings = pairRelevantWithIrrelevant(relevant, irrelevant, { shuffle: options.shuffleIrrelevant, random });
    const planned = new Map<number, { objects: SessionObjects; negatives: number[]; planObject: Map<number, number> }>();
    const borrowedBy = new Map<number, number>();
    for (const [relevantSession, irrelevantSession] of pairings) {
      const input = sessions[irrelevantSession] as FineTuningInput;
      let irrelevantPlan = planned.get(irrelevantSession);
      if (!irrelevantPlan) {
        const objects = describeSessionObjects(input, irrelevantSession, options);
        const negatives = keptNegatives(objects, options.negativeDownsamplingFactor, random);
        const planObject = new Map<number, number>();
        irrelevantPlan = { objects, negatives, planObject };
        planned.set(irrelevantSession, irrelevantPlan);
      }
      const borrowed = positivesOf.get(relevantSession) as { pairs: Array<[number, number]>; confidences: number[] };
      const length = Math.min(irrelevantPlan.negatives.length, borrowed.pairs.length);
      for (let index = 0; index < length; index += 1) {
        const negative = irrelevantPlan.negatives[index] as number;
        let negativeObject = irrelevantPlan.planObject.get(negative);
        if (negativeObject === undefined) {
          // Objects are added only when a pair uses them, so nothing is embedded for nothing.
          const objects = irrelevantPlan.objects;
          const queryRow = builder.queryOf(input, irrelevantSession);
          negativeObject = builder.addObject(
            input,
            irrelevantSession,
            queryRow,
            objects.ids[negative] as string,
            objects.parts[negative] as number[],
            sessionRows[irrelevantSession] as Int32Array,
          );
          irrelevantPlan.planObject.set(negative, negativeObject);
        }
        builder.addPair(
          (borrowed.pairs[index] as [number, number])[0],
          negativeObject,
          borrowed.confidences[index] as number,
          irrelevantPlan.objects.confidences[negative] as number,
          irrelevantSession,
        );
        builder.borrowedPairs += 1;
      }
      borrowedBy.set(irrelevantSession, (borrowedBy.get(irrelevantSession) ?? 0) + length);
    }
    // Step 9: a session that yields nothing is reported, never dropped without a word.
    for (const session of irrelevant) {
      if ((borrowedBy.get(session) ?? 0) > 0) continue;
      const noNegatives = (planned.get(session)?.negatives.length ?? 0) === 0;
      skipped.push({
        session,
        reason: 'nothing-to-borrow',
        detail: noNegatives ? 'no negative was kept from its results' : 'the relevant sessions it was paired with had no pairs to lend (every displayed object clicked)',
      });
    }
  }

  const target = options.isSimilarity ? 1 : -1;
  return {
    itemRows: Int32Array.from(builder.itemRows),
    itemIds: builder.itemIds,
    queries: builder.queries,
    partItem: Int32Array.from(builder.partItem),
    partQuery: Int32Array.from(builder.partQuery),
    partObject: Int32Array.from(builder.partObject),
    objectPartOffsets: Int32Array.from(builder.objectPartOffsets),
    objectIds: builder.objectIds,
    objectSession: Int32Array.from(builder.objectSession),
    pairPositive: Int32Array.from(builder.pairPositive),
    pairNegative: Int32Array.from(builder.pairNegative),
    pairPositiveConfidence: Float32Array.from(builder.pairPositiveConfidence),
    pairNegativeConfidence: Float32Array.from(builder.pairNegativeConfidence),
    pairTarget: new Float32Array(builder.pairPositive.length).fill(target),
    pairSession: Int32Array.from(builder.pairSession),
    isSimilarity: options.isSimilarity,
    minAbsDifference: options.minAbsDifference,
    maxAbsDifference: options.maxAbsDifference,
    report: {
      sessions: sessions.length,
      relevantSessions: relevant.length,
      irrelevantSessions: irrelevant.length,
      pairs: builder.pairPositive.length,
      borrowedPairs: builder.borrowedPairs,
      skipped: skipped.sort((a, b) => a.session - b.session),
    },
  };
}

/** A JSON form of a plan, for debugging and for checking determinism byte by byte. */
export function serializeBatchPlan(plan: BatchPlan): string {
  return JSON.stringify(plan, (_key, value) => (ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value));
}

/** Objects as rows of a padded matrix of part indices (for executors that aggregate with dense ops). */
export interface PaddedObjectParts {
  /** Parts of the largest object. */
  readonly width: number;
  /** `objects × width` part indices; padding points at index `partCount` (one past the last part). */
  readonly indices: Int32Array;
  /** 1 for a real part, 0 for padding. */
  readonly mask: Float32Array;
  /** Number of parts per object. */
  readonly counts: Float32Array;
}

/** The plan's object segments as a padded matrix (DESIGN.md step 5 on tensors: gather, then reduce per row). */
export function paddedObjectParts(plan: BatchPlan): PaddedObjectParts {
  const objects = plan.objectIds.length;
  const partCount = plan.partItem.length;
  let width = objects === 0 ? 0 : 1;
  for (let object = 0; object < objects; object += 1) {
    width = Math.max(width, (plan.objectPartOffsets[object + 1] as number) - (plan.objectPartOffsets[object] as number));
  }
  const indices = new Int32Array(objects * width).fill(partCount);
  const mask = new Float32Array(objects * width);
  const counts = new Float32Array(objects);
  for (let object = 0; object < objects; object += 1) {
    const start = plan.objectPartOffsets[object] as number;
    const end = plan.objectPartOffsets[object + 1] as number;
    counts[object] = end - start;
    for (let part = start; part < end; part += 1) {
      indices[object * width + part - start] = part;
      mask[object * width + part - start] = 1;
    }
  }
  return { width, indices, mask, counts };
}
