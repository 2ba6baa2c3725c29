import { FineTuningInput, InvalidOptionError, type SeededRandom } from '@clicktune/core';
import type { ClickModel } from './click-models';

/** A shown result: its id and the logging engine's score. */
export interface ShownResult {
  readonly id: string;
  readonly score: number;
  /** Probability that the logging policy showed it at this position (exploration), if known. */
  readonly propensity?: number;
}

export interface SimulationOptions {
  /** Queries that users issue. */
  readonly queries: readonly string[];
  readonly sessions: number;
  /** The logged list for a query, best first (e.g. the base model's top 10). */
  readonly show: (query: string, random: SeededRandom) => readonly ShownResult[];
  /** Relevance grade of an item for a query (0 = not relevant). */
  readonly grade: (query: string, item: string) => number;
  readonly clickModel: ClickModel;
  readonly random: SeededRandom;
  /** Zipf exponent of query frequencies (default 1): the r-th most frequent query is issued ∝ 1/r^s. */
  readonly zipfExponent?: number;
  /** Write each result's examination probability into the session (for auditing propensity estimates). */
  readonly recordExamination?: boolean;
}

/** Query frequencies ∝ 1/rank^s over a seeded permutation; returns a sampler. */
export function zipfSampler(queries: readonly string[], exponent: number, random: SeededRandom): () => string {
  if (queries.length === 0) throw new InvalidOptionError('no queries to simulate');
  if (!(exponent >= 0)) throw new InvalidOptionError(`zipfExponent must be ≥ 0, got ${exponent}`, { location: { field: 'zipfExponent' } });
  const order = random.shuffle([...queries]);
  const cumulative = new Float64Array(order.length);
  let total = 0;
  order.forEach((_, rank) => {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  });
  return () => {
    const target = random.nextFloat() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return order[low] as string;
  };
}

/**
 * Simulated search sessions: a query drawn by Zipf frequency, the logged
 * list, and clicks from the click model on the relevance grades. The logged
 * scores become `ranks`; propensities and examination are recorded when known.
 */
export function simulateSessions(options: SimulationOptions): FineTuningInput[] {
  return [...streamSessions(options)];
}

/** The sessions of `simulateSessions`, one at a time (the same sessions for the same seed), for logs too large to hold. */
export function* streamSessions(options: SimulationOptions): Generator<FineTuningInput> {
  if (!Number.isInteger(options.sessions) || options.sessions < 0)
    throw new InvalidOptionError(`sessions must be a whole number ≥ 0, got ${options.sessions}`, { location: { field: 'sessions' } });
  const nextQuery = zipfSampler(options.queries, options.zipfExponent ?? 1, options.random);
  for (let index = 0; index < options.sessions; index += 1) {
    const query = nextQuery();
    const shown = options.show(query, options.random);
    if (shown.length === 0) continue;
    const outcome = options.clickModel.click(
      shown.map((result) => options.grade(query, result.id)),
      options.random,
    );
    const propensities = shown.every((result) => result.propensity !== undefined) ? shown.map((result) => [result.id, result.propensity as number] as const) : null;
    yield FineTuningInput.create({
      query,
      results: shown.map((result) => result.id),
      ranks: shown.map((result) => [result.id, result.score] as const),
      events: shown.filter((_, position) => outcome.clicks[position]).map((result) => result.id),
      propensities,
      examination: options.recordExamination ? shown.map((result, position) => [result.id, outcome.examination[position] as number] as const) : null,
      sessionId: `s${index}`,
    });
  }
}
