import { InvalidOptionError } from './errors';
import type { SeededRandom } from './random';
import type { FineTuningInput, QueryReference } from './session';

export interface SessionSplit {
  readonly train: FineTuningInput[];
  readonly test: FineTuningInput[];
}

function checkFraction(testFraction: number): void {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InvalidOptionError(`testFraction must be in (0, 1), got ${testFraction}`, { location: { field: 'testFraction' } });
  }
}

/**
 * The one string key of a query (`id:…`, `text:…`, `embedding:…` of the
 * vector itself), for maps and sets of queries; `queryOfKey` reads it back.
 */
export function queryKey(query: QueryReference): string {
  if (query.kind === 'id') return `id:${query.id}`;
  if (query.kind === 'text') return `text:${query.text}`;
  return `embedding:${Array.from(query.embedding).join(',')}`;
}

/** The query a `queryKey` stands for. */
export function queryOfKey(key: string): QueryReference {
  if (key.startsWith('id:')) return { kind: 'id', id: key.slice(3) };
  if (key.startsWith('text:')) return { kind: 'text', text: key.slice(5) };
  if (key.startsWith('embedding:')) return { kind: 'embedding', embedding: Float32Array.from(key.slice('embedding:'.length).split(','), Number) };
  throw new InvalidOptionError(`not a query key: ${JSON.stringify(key)}`);
}

/** The key that groups sessions of one query. */
export function queryKeyOf(input: FineTuningInput): string {
  return queryKey(input.query);
}

/**
 * Held-out queries (the honest default for evaluation): a seeded share of
 * the distinct queries goes to test with all of their sessions, so no test
 * query is ever trained on.
 */
export function splitByQueries(sessions: readonly FineTuningInput[], options: { testFraction: number; random: SeededRandom }): SessionSplit & { testQueries: Set<string> } {
  const testQueries = heldOutQueries(
    sessions.map((session) => queryKeyOf(session)),
    options,
  );
  const split: SessionSplit = { train: [], test: [] };
  for (const session of sessions) (testQueries.has(queryKeyOf(session)) ? split.test : split.train).push(session);
  return { ...split, testQueries };
}

/** The query keys `splitByQueries` holds out: a seeded share of the distinct keys (sorted, then shuffled), for logs kept as counts too. */
export function heldOutQueries(keys: Iterable<string>, options: { testFraction: number; random: SeededRandom }): Set<string> {
  checkFraction(options.testFraction);
  const distinct = [...new Set(keys)].sort();
  options.random.shuffle(distinct);
  return new Set(distinct.slice(0, Math.round(distinct.length * options.testFraction)));
}

/** By time: the latest share of sessions (by timestamp; sessions without one count as oldest) is the test set. */
export function splitByTime(sessions: readonly FineTuningInput[], options: { testFraction: number }): SessionSplit {
  checkFraction(options.testFraction);
  const ordered = sessions
    .map((session, index) => ({ session, index }))
    .sort((a, b) => (a.session.timestamp ?? Number.NEGATIVE_INFINITY) - (b.session.timestamp ?? Number.NEGATIVE_INFINITY) || a.index - b.index);
  const cut = ordered.length - Math.round(ordered.length * options.testFraction);
  return { train: ordered.slice(0, cut).map((entry) => entry.session), test: ordered.slice(cut).map((entry) => entry.session) };
}

/** EmbeddingStudio's rule (CASES C14): a session is a test session when more than half of its results are test items. */
export function isTestSessionByItems(session: FineTuningInput, testItems: ReadonlySet<string>): boolean {
  const inTest = session.results.filter((id) => testItems.has(id)).length;
  return inTest / session.results.length > 0.5;
}

export function splitByTestItems(sessions: readonly FineTuningInput[], testItems: ReadonlySet<string>): SessionSplit {
  const split: SessionSplit = { train: [], test: [] };
  for (const session of sessions) (isTestSessionByItems(session, testItems) ? split.test : split.train).push(session);
  return split;
}
