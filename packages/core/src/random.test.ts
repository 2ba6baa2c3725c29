import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';

describe('SeededRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const random = SeededRandom.fromSeed(seed);
      return Array.from({ length: 8 }, () => random.nextInt(1000));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('samples without replacement, sorted, within range', () => {
    const random = SeededRandom.fromSeed(3);
    for (let trial = 0; trial < 200; trial += 1) {
      const sample = Array.from(random.sampleIndices(10, 4));
      expect(new Set(sample).size).toBe(4);
      expect([...sample].sort((a, b) => a - b)).toEqual(sample);
      expect(sample.every((index) => index >= 0 && index < 10)).toBe(true);
    }
    expect(() => random.sampleIndices(2, 3)).toThrow(/cannot choose/);
  });

  it('samples every index with equal frequency', () => {
    const random = SeededRandom.fromSeed(11);
    const counts = new Array(5).fill(0);
    for (let trial = 0; trial < 20_000; trial += 1) for (const index of random.sampleIndices(5, 2)) counts[index] += 1;
    // Each index is chosen with probability 2/5 → 8,000 expected; 4σ ≈ 280.
    for (const count of counts) expect(Math.abs(count - 8000)).toBeLessThan(300);
  });

  it('restores from its state and forks independent streams', () => {
    const random = SeededRandom.fromSeed(5);
    random.nextInt(10);
    const copy = SeededRandom.fromState(random.state());
    expect(copy.nextFloat()).toBe(random.nextFloat());
    const fork = random.fork();
    expect(fork.nextInt(1 << 30)).not.toBe(random.nextInt(1 << 30));
  });

  it('rejects non-integer seeds', () => {
    expect(() => SeededRandom.fromSeed(1.5)).toThrow(/integer/);
  });
});
