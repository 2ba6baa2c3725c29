import { type FineTuningInput, InvalidOptionError, type QueryReference, queryKey } from '@clicktune/core';
import type { ClickObservation } from './propensities';

/** One (query, item, position) cell of a click log: how often the item was shown there for the query, and clicked. */
export interface ClickCell {
  readonly query: string;
  readonly item: string;
  /** 0-based display position. */
  readonly position: number;
  readonly impressions: number;
  readonly clicks: number;
}

/** A columnar view of click counts, for estimators: cell c is pair `cellPairs[c]` at `cellPositions[c]`. */
export interface ClickColumns {
  /** Per pair: its query's key and its item. */
  readonly pairQueries: readonly string[];
  readonly pairItems: readonly string[];
  readonly cellPairs: Int32Array;
  readonly cellPositions: Int32Array;
  readonly impressions: Float64Array;
  readonly clicks: Float64Array;
}

/**
 * The sufficient statistics of a click log for a position-based click model
 * and for click judgements: per (query, item, position) impressions and
 * clicks, and per query its number of sessions. Built in one pass over the
 * sessions (a stream will do), its memory grows with the number of distinct
 * (query, item, position) triples, not with the number of sessions.
 * Queries are keyed by `queryKey`; cells and queries keep first-seen order.
 */
export class ClickCounts {
  /** Positions counted (0 … maxPositions − 1); lower results are left out. */
  readonly maxPositions: number;
  private readonly queryIndex = new Map<string, number>();
  private readonly queryKeys: string[] = [];
  /** As the first session of each query gave it (none for counts keyed by name only, e.g. `fromObservations`). */
  private readonly queryReferences: Array<QueryReference | undefined> = [];
  private querySessions = new Float64Array(16);
  private readonly pairIndex = new Map<string, number>();
  private readonly pairItems: string[] = [];
  private pairQueries = new Int32Array(16);
  /** Cell of (pair, position): pair × maxPositions + position. */
  private readonly cellIndex = new Map<number, number>();
  private cellPairs = new Int32Array(16);
  private cellPositions = new Int32Array(16);
  private cellImpressions = new Float64Array(16);
  private cellClicks = new Float64Array(16);
  private cellCount = 0;
  private sessionCount = 0;

  constructor(maxPositions = 10) {
    if (!Number.isInteger(maxPositions) || maxPositions < 1) throw new InvalidOptionError(`maxPositions must be a positive integer, got ${maxPositions}`);
    this.maxPositions = maxPositions;
  }

  /** Counts of sessions read from an array or any iterable. */
  static fromSessions(sessions: Iterable<FineTuningInput>, maxPositions = 10): ClickCounts {
    const counts = new ClickCounts(maxPositions);
    for (const session of sessions) counts.add(session);
    return counts;
  }

  /** Counts of sessions read from a stream (e.g. `readSessions(file)`), one at a time: no session is kept. */
  static async fromStream(sessions: AsyncIterable<FineTuningInput>, maxPositions = 10): Promise<ClickCounts> {
    const counts = new ClickCounts(maxPositions);
    for await (const session of sessions) counts.add(session);
    return counts;
  }

  /**
   * Counts of (query, item, position, clicked) observations, their queries
   * keyed by the observations' own names; every position is kept.
   */
  static fromObservations(observations: readonly ClickObservation[]): ClickCounts {
    const counts = new ClickCounts(1 + observations.reduce((max, observation) => Math.max(max, observation.position), 0));
    for (const observation of observations) counts.addCell(counts.queryOf(observation.query), observation.item, observation.position, 1, observation.clicked ? 1 : 0);
    return counts;
  }

  /** Adds one session: an impression for each of its top `maxPositions` results, a click for each that is an event. */
  add(session: FineTuningInput): void {
    const query = this.queryOf(queryKey(session.query), session.query);
    this.querySessions[query] = (this.querySessions[query] as number) + 1;
    this.sessionCount += 1;
    const shown = Math.min(session.results.length, this.maxPositions);
    for (let position = 0; position < shown; position += 1) {
      const item = session.results[position] as string;
      this.addCell(query, item, position, 1, session.isEvent(item) ? 1 : 0);
    }
  }

  /** Adds counts directly (an aggregated log, e.g. a SQL GROUP BY): `impressions` shows of `item` at `position` for `query`, `clicks` of them clicked. */
  addCounts(query: QueryReference, item: string, position: number, impressions: number, clicks: number): void {
    if (!Number.isInteger(position) || position < 0) throw new InvalidOptionError(`position must be a whole number ≥ 0, got ${position}`, { location: { field: 'position' } });
    if (!(Number.isFinite(impressions) && impressions >= 0) || !(Number.isFinite(clicks) && clicks >= 0 && clicks <= impressions))
      throw new InvalidOptionError(`need 0 ≤ clicks ≤ impressions (finite), got ${clicks} clicks of ${impressions}`, { location: { field: 'clicks' } });
    if (position >= this.maxPositions) return;
    this.addCell(this.queryOf(queryKey(query), query), item, position, impressions, clicks);
  }

  /** Adds sessions to a query's session count (with `addCounts`, which counts impressions only). */
  addSessions(query: QueryReference, sessions: number): void {
    const index = this.queryOf(queryKey(query), query);
    this.querySessions[index] = (this.querySessions[index] as number) + sessions;
    this.sessionCount += sessions;
  }

  /** Sessions counted. */
  get sessions(): number {
    return this.sessionCount;
  }

  /** Distinct (query, item, position) cells. */
  get size(): number {
    return this.cellCount;
  }

  /** The queries' keys, in first-seen order. */
  queries(): string[] {
    return [...this.queryKeys];
  }

  /** The query a key stands for (as the first session of it gave it). */
  queryReference(key: string): QueryReference | undefined {
    const index = this.queryIndex.get(key);
    return index === undefined ? undefined : this.queryReferences[index];
  }

  /** Sessions of one query. */
  sessionsOf(key: string): number {
    const index = this.queryIndex.get(key);
    return index === undefined ? 0 : (this.querySessions[index] as number);
  }

  /** Every cell, in first-seen order. */
  *cells(): Generator<ClickCell> {
    for (let cell = 0; cell < this.cellCount; cell += 1) {
      const pair = this.cellPairs[cell] as number;
      yield {
        query: this.queryKeys[this.pairQueries[pair] as number] as string,
        item: this.pairItems[pair] as string,
        position: this.cellPositions[cell] as number,
        impressions: this.cellImpressions[cell] as number,
        clicks: this.cellClicks[cell] as number,
      };
    }
  }

  /** The cells as columns (views, not copies: do not change them). */
  columns(): ClickColumns {
    return {
      pairQueries: Array.from(this.pairQueries.subarray(0, this.pairItems.length), (query) => this.queryKeys[query] as string),
      pairItems: this.pairItems,
      cellPairs: this.cellPairs.subarray(0, this.cellCount),
      cellPositions: this.cellPositions.subarray(0, this.cellCount),
      impressions: this.cellImpressions.subarray(0, this.cellCount),
      clicks: this.cellClicks.subarray(0, this.cellCount),
    };
  }

  /** The counts of the queries `keep` accepts (a validation split, a fold). */
  restrictedTo(keep: (key: string) => boolean): ClickCounts {
    const subset = new ClickCounts(this.maxPositions);
    this.queryKeys.forEach((key, index) => {
      if (!keep(key)) return;
      const query = subset.queryOf(key, this.queryReferences[index]);
      subset.querySessions[query] = this.querySessions[index] as number;
      subset.sessionCount += this.querySessions[index] as number;
    });
    for (let cell = 0; cell < this.cellCount; cell += 1) {
      const pair = this.cellPairs[cell] as number;
      const key = this.queryKeys[this.pairQueries[pair] as number] as string;
      const query = subset.queryIndex.get(key);
      if (query === undefined) continue;
      subset.addCell(query, this.pairItems[pair] as string, this.cellPositions[cell] as number, this.cellImpressions[cell] as number, this.cellClicks[cell] as number);
    }
    return subset;
  }

  private queryOf(key: string, reference?: QueryReference): number {
    let index = this.queryIndex.get(key);
    if (index === undefined) {
      index = this.queryKeys.length;
      this.queryIndex.set(key, index);
      this.queryKeys.push(key);
      this.queryReferences.push(reference);
      if (index >= this.querySessions.length) this.querySessions = grown(this.querySessions);
    }
    return index;
  }

  private addCell(query: number, item: string, position: number, impressions: number, clicks: number): void {
    const pairKey = `${query}\u0000${item}`;
    let pair = this.pairIndex.get(pairKey);
    if (pair === undefined) {
      pair = this.pairItems.length;
      this.pairIndex.set(pairKey, pair);
      this.pairItems.push(item);
      if (pair >= this.pairQueries.length) this.pairQueries = grown(this.pairQueries);
      this.pairQueries[pair] = query;
    }
    const cellKey = pair * this.maxPositions + position;
    let cell = this.cellIndex.get(cellKey);
    if (cell === undefined) {
      cell = this.cellCount;
      this.cellCount += 1;
      this.cellIndex.set(cellKey, cell);
      if (cell >= this.cellPairs.length) {
        this.cellPairs = grown(this.cellPairs);
        this.cellPositions = grown(this.cellPositions);
        this.cellImpressions = grown(this.cellImpressions);
        this.cellClicks = grown(this.cellClicks);
      }
      this.cellPairs[cell] = pair;
      this.cellPositions[cell] = position;
    }
    this.cellImpressions[cell] = (this.cellImpressions[cell] as number) + impressions;
    this.cellClicks[cell] = (this.cellClicks[cell] as number) + clicks;
  }
}

function grown<T extends Int32Array | Float64Array>(array: T): T {
  const next = new (array.constructor as new (length: number) => T)(array.length * 2);
  next.set(array);
  return next;
}
