import { InvalidOptionError, type SeededRandom } from '@clicktune/core';

/** A candidate from the search engine, best first. */
export interface RankedCandidate {
  readonly id: string;
  readonly score: number;
}

/** What to show: each result with the probability that the policy put it at that position. */
export interface ShownCandidate extends RankedCandidate {
  /** P(this result at this position | the candidate list) under the logging policy, in (0, 1]. */
  readonly propensity: number;
  /** Whether this position was an exploration slot. */
  readonly explored: boolean;
}

export interface ExplorationPolicy {
  readonly name: string;
  /** Share of shown positions that explore (the cost in ranking quality the user pays). */
  readonly explorationShare: number;
  choose(ranked: readonly RankedCandidate[], random: SeededRandom): ShownCandidate[];
}

/** Shows the top k as ranked (propensity 1: the policy is deterministic there). */
export function noExploration(options: { k?: number } = {}): ExplorationPolicy {
  const k = options.k ?? 10;
  return {
    name: 'none',
    explorationShare: 0,
    choose: (ranked) => ranked.slice(0, k).map((candidate) => ({ ...candidate, propensity: 1, explored: false })),
  };
}

/**
 * Bounded exploration slots: the top k − s positions show the ranking as is;
 * the last s positions show candidates drawn uniformly without replacement
 * from ranks k − s + 1 … depth (the "pool"), in random order. A pooled
 * candidate lands in a given slot with probability 1 / |pool|, which is the
 * propensity logged for it; the fixed positions have propensity 1. This is
 * the "exploration with a bounded budget" of the interleaving/exploration
 * literature (e.g. Hofmann et al., 2013; Wang et al., 2016's result
 * randomisation restricted to a few slots): every item down to `depth` has a
 * known, non-zero chance to be shown, so clicks can reveal relevant items the
 * model ranks low, and inverse-propensity estimates stay unbiased.
 */
export function explorationSlots(options: { k?: number; slots?: number; depth?: number; positions?: readonly number[] } = {}): ExplorationPolicy {
  const k = options.k ?? 10;
  const slots = options.slots ?? 2;
  const depth = options.depth ?? 50;
  if (!Number.isInteger(k) || k < 1) throw new InvalidOptionError(`k must be a whole number ≥ 1, got ${k}`, { location: { field: 'k' } });
  if (!Number.isInteger(slots) || slots < 0 || slots > k) throw new InvalidOptionError(`slots must be a whole number in [0, k], got ${slots}`, { location: { field: 'slots' } });
  if (!Number.isInteger(depth) || depth < k) throw new InvalidOptionError(`depth must be a whole number ≥ k (${k}), got ${depth}`, { location: { field: 'depth' } });
  // By default the slots are the last positions; `positions` (0-based) puts them where users look more.
  const positions = [...(options.positions ?? Array.from({ length: slots }, (_, index) => k - slots + index))].sort((a, b) => a - b);
  if (positions.length !== slots || new Set(positions).size !== slots || positions.some((position) => !Number.isInteger(position) || position < 0 || position >= k)) {
    throw new InvalidOptionError(`positions must be ${slots} distinct whole numbers in [0, ${k})`, { location: { field: 'positions' } });
  }
  const fixed = k - slots;
  return {
    name: `slots(${slots}/${k} at ${positions.map((position) => position + 1).join(',')}, depth ${depth})`,
    explorationShare: slots / k,
    choose(ranked, random) {
      const kept: ShownCandidate[] = ranked.slice(0, fixed).map((candidate) => ({ ...candidate, propensity: 1, explored: false }));
      const pool = ranked.slice(fixed, depth);
      const drawn = pool.length === 0 ? [] : random.shuffle(Array.from(random.sampleIndices(pool.length, Math.min(slots, pool.length))));
      const explored = drawn.map((index) => ({ ...(pool[index] as RankedCandidate), propensity: 1 / pool.length, explored: true }));
      // The ranked results keep their order around the exploration slots.
      const shown: ShownCandidate[] = [];
      const total = kept.length + explored.length;
      let nextKept = 0;
      for (let position = 0; shown.length < total; position += 1) {
        const slot = positions.indexOf(position);
        const next = slot >= 0 && slot < explored.length ? explored[slot] : kept[nextKept++];
        if (next) shown.push(next);
      }
      return shown;
    },
  };
}
