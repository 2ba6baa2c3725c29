import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { InvalidOptionError } from './errors';

/**
 * The one source of randomness in ClickTune (ORIGINAL_BUGS E23: the original
 * used an unseeded global RNG). Backed by pure-rand's xoroshiro128+, so the
 * same seed gives the same sequence on every runtime.
 */
export class SeededRandom {
  private constructor(private readonly generator: JumpableRandomGenerator) {}

  static fromSeed(seed: number): SeededRandom {
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidOptionError(`seed must be an integer of at most 53 bits, got ${seed}`, { location: { field: 'seed' } });
    }
    // xoroshiro128+ seeded directly starts almost the same for nearby seeds
    // and ignores the bits above 32; splitmix64 spreads every bit of the seed
    // over the 128-bit state, as the generator's authors recommend.
    const [afterFirst, first] = splitMix64(BigInt.asUintN(64, BigInt(seed)));
    const [, second] = splitMix64(afterFirst);
    return new SeededRandom(xoroshiro128plusFromState(xoroshiroState(first, second)));
  }

  static fromState(state: readonly number[]): SeededRandom {
    return new SeededRandom(xoroshiro128plusFromState(state));
  }

  /** Serialisable state, for checkpoints. */
  state(): number[] {
    return [...this.generator.getState()];
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    if (!(bound >= 1)) throw new InvalidOptionError(`nextInt needs a bound ≥ 1, got ${bound}`);
    return uniformInt(this.generator, 0, bound - 1);
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return uniformFloat64(this.generator);
  }

  /** An independent stream 2^64 steps away (for per-worker or per-purpose streams). */
  fork(): SeededRandom {
    const copy = this.generator.clone() as JumpableRandomGenerator;
    copy.jump();
    this.generator.next();
    return new SeededRandom(copy);
  }

  /** Fisher–Yates shuffle, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let index = items.length - 1; index > 0; index -= 1) {
      const other = this.nextInt(index + 1);
      const held = items[index] as T;
      items[index] = items[other] as T;
      items[other] = held;
    }
    return items;
  }

  /**
   * `count` distinct indices from [0, populationSize), chosen uniformly
   * without replacement, returned in increasing order (display order).
   */
  sampleIndices(populationSize: number, count: number): Int32Array {
    if (count > populationSize || count < 0) {
      throw new InvalidOptionError(`cannot choose ${count} of ${populationSize} without replacement`);
    }
    const pool = new Int32Array(populationSize);
    for (let index = 0; index < populationSize; index += 1) pool[index] = index;
    // Partial Fisher–Yates: the first `count` slots become the sample.
    for (let index = 0; index < count; index += 1) {
      const other = index + this.nextInt(populationSize - index);
      const held = pool[index] as number;
      pool[index] = pool[other] as number;
      pool[other] = held;
    }
    return pool.slice(0, count).sort();
  }
}

const UINT64_MASK = (1n << 64n) - 1n;

/** One step of splitmix64: the next state and its output (Vigna's reference constants). */
export function splitMix64(state: bigint): [nextState: bigint, output: bigint] {
  const nextState = (state + 0x9e3779b97f4a7c15n) & UINT64_MASK;
  let mixed = nextState;
  mixed = ((mixed ^ (mixed >> 30n)) * 0xbf58476d1ce4e5b9n) & UINT64_MASK;
  mixed = ((mixed ^ (mixed >> 27n)) * 0x94d049bb133111ebn) & UINT64_MASK;
  return [nextState, mixed ^ (mixed >> 31n)];
}

/** pure-rand's state layout: [high word of s0, low of s0, high of s1, low of s1], as int32. */
function xoroshiroState(first: bigint, second: bigint): number[] {
  const word = (value: bigint) => Number(BigInt.asIntN(32, value));
  const state = [word(first >> 32n), word(first), word(second >> 32n), word(second)];
  // The all-zero state is the generator's one fixed point.
  return state.every((value) => value === 0) ? [0, 1, 0, 0] : state;
}
