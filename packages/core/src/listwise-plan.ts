import { InvalidOptionError, MissingItemsError } from './errors';
import type { ItemsSet } from './items';
import type { SeededRandom } from './random';
import type { FineTuningInput } from './session';

/**
 * The listwise term's options: for every click, the clicked item must
 * outscore (softmax over cosine / τ) every item shown in the batch,
 * `catalogueNegatives` items drawn from the whole catalogue and
 * `hardNegatives` items the current model ranks highest for that query (not
 * clicked in the session). Clicks are weighted by inverse logging propensity
 * (clipped), so clicks on explored results count for what they reveal.
 */
export interface ListwiseOptions {
  weight: number;
  temperature?: number;
  catalogueNegatives?: number;
  hardNegatives?: number;
  /** Clip of the inverse-propensity weight of a click (default 10). */
  propensityClip?: number;
}

export function validateListwise(options: ListwiseOptions): Required<ListwiseOptions> {
  const resolved = {
    weight: options.weight,
    temperature: options.temperature ?? 0.05,
    catalogueNegatives: options.catalogueNegatives ?? 64,
    hardNegatives: options.hardNegatives ?? 5,
    propensityClip: options.propensityClip ?? 10,
  };
  if (!(resolved.weight >= 0) || !Number.isFinite(resolved.weight))
    throw new InvalidOptionError(`listwise weight must be a finite number ≥ 0, got ${resolved.weight}`, { location: { field: 'listwise.weight' } });
  if (!(resolved.temperature > 0) || !Number.isFinite(resolved.temperature))
    throw new InvalidOptionError(`temperature must be a finite number > 0, got ${resolved.temperature}`, { location: { field: 'listwise.temperature' } });
  for (const field of ['catalogueNegatives', 'hardNegatives'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 0)
      throw new InvalidOptionError(`${field} must be a whole number ≥ 0`, { location: { field: `listwise.${field}` } });
  }
  if (!(resolved.propensityClip >= 1))
    throw new InvalidOptionError(`propensityClip must be ≥ 1, got ${resolved.propensityClip}`, { location: { field: 'listwise.propensityClip' } });
  return resolved;
}

/** What a listwise batch computes on, decided here for every executor (DESIGN.md "one planner"). */
export interface ListwisePlan {
  /** One per session with a click, in batch order. */
  readonly queries: FineTuningInput['query'][];
  /** Per row (one per click): its query, its positive column, its weight. */
  readonly rowQuery: Int32Array;
  readonly rowPositive: Int32Array;
  readonly rowWeight: Float32Array;
  /** Catalogue rows of the candidate columns: shown items, then catalogue negatives, then hard negatives (each once). */
  readonly columns: Int32Array;
  /** Flat indices (row × columns + column) a row may not score against: the other clicks of its session. */
  readonly excluded: Int32Array;
  readonly temperature: number;
}

/** The sessions the listwise term learns from (those with a click), whose queries the hard negatives are retrieved for. */
export function listwiseSessions(sessions: readonly FineTuningInput[]): FineTuningInput[] {
  return sessions.filter((session) => session.events.length > 0);
}

/**
 * Plans a listwise batch. `hardNegatives[i]` is the current model's top ids
 * for the i-th of `listwiseSessions(sessions)` minus its clicks (retrieving
 * them needs the model, so the caller does it first). Every id must be in
 * the catalogue; null when no session has a click.
 */
export function planListwiseBatch(
  sessions: readonly FineTuningInput[],
  items: ItemsSet,
  options: Required<ListwiseOptions>,
  random: SeededRandom,
  hardNegatives: readonly (readonly string[])[] = [],
): ListwisePlan | null {
  const relevant = listwiseSessions(sessions);
  if (relevant.length === 0) return null;
  const missing = new Set<string>();
  const rowOf = (id: string) => {
    const row = items.rowOf(id);
    if (row === -1) missing.add(id);
    return row;
  };
  const columnOf = new Map<number, number>();
  const columns: number[] = [];
  const addColumn = (row: number) => {
    if (row === -1) return -1;
    let column = columnOf.get(row);
    if (column === undefined) {
      column = columns.length;
      columnOf.set(row, column);
      columns.push(row);
    }
    return column;
  };
  for (const session of relevant) for (const id of session.results) addColumn(rowOf(id));
  if (missing.size > 0) throw new MissingItemsError([...missing], { location: { field: 'results' } });
  for (let index = 0; index < options.catalogueNegatives; index += 1) addColumn(random.nextInt(items.size));
  for (const ids of hardNegatives.slice(0, relevant.length)) for (const id of ids.slice(0, options.hardNegatives)) addColumn(rowOf(id));
  if (missing.size > 0) throw new MissingItemsError([...missing], { location: { field: 'hardNegatives' } });
  const rowQuery: number[] = [];
  const rowPositive: number[] = [];
  const rowWeight: number[] = [];
  const excluded: number[] = [];
  relevant.forEach((session, sessionIndex) => {
    const clicked = session.events.map((id) => columnOf.get(items.rowOf(id)) as number);
    for (const [position, id] of session.events.entries()) {
      const row = rowQuery.length;
      const propensity = session.propensities?.get(id) ?? 1;
      rowQuery.push(sessionIndex);
      rowPositive.push(clicked[position] as number);
      rowWeight.push(Math.min(1 / propensity, options.propensityClip));
      for (const column of new Set(clicked)) if (column !== clicked[position]) excluded.push(row * columns.length + column);
    }
  });
  return {
    queries: relevant.map((session) => session.query),
    rowQuery: Int32Array.from(rowQuery),
    rowPositive: Int32Array.from(rowPositive),
    rowWeight: Float32Array.from(rowWeight),
    columns: Int32Array.from(columns),
    excluded: Int32Array.from(excluded),
    temperature: options.temperature,
  };
}
