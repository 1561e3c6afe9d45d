// Seeded streams (src/rng/streams.ts) are seedrandom's Tyche-i bit for bit, one key per block.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { streamFor, streamKey } from '../../src/rng/streams.js';

const N = 5000;

describe('streamFor', () => {
  it.each([[0, 0], [20251008, 0], [20251008, 1], [7, 123456]])(
    'seed %i block %i: int32() and uniform() equal seedrandom.tychei(key) for %#',
    (seed, block) => {
      const key = streamKey(seed, block);
      const refInt = seedrandom.tychei(key);
      const refUniform = seedrandom.tychei(key);
      const ints = streamFor(seed, block);
      const uniforms = streamFor(seed, block);
      const got: number[] = [];
      const want: number[] = [];
      for (let i = 0; i < N; i++) {
        got.push(ints.nextInt32(), uniforms.uniform());
        want.push(refInt.int32(), refUniform());
      }
      expect(got).toEqual(want);
    },
  );

  it('the key names the seed and the block, so blocks and seeds get different streams', () => {
    expect(streamKey(20251008, 3)).toBe('20251008/block/3');
    const first = (seed: number, block: number) => {
      const s = streamFor(seed, block);
      return Array.from({ length: 8 }, () => s.nextInt32()).join(',');
    };
    const seen = new Set([first(1, 0), first(1, 1), first(2, 0), first(2, 1), first(12, 1), first(1, 21)]);
    expect(seen.size).toBe(6);
  });

  it('normal() and exponential() have the right first two moments (4 SE, 200k draws)', () => {
    const n = 200_000;
    const s = streamFor(99, 0);
    let sum = 0, sumSq = 0, sumE = 0, sumESq = 0, infinite = 0;
    for (let i = 0; i < n; i++) {
      const z = s.normal();
      sum += z; sumSq += z * z;
      const e = s.exponential(0.5);
      if (!Number.isFinite(e)) infinite++;
      sumE += e; sumESq += e * e;
    }
    expect(infinite).toBe(0);
    // N(0,1): SE of the mean 1/sqrt(n), of the mean square sqrt(2/n).
    expect(Math.abs(sum / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    // Exponential(rate 0.5): mean 2, variance 4, E[X^2] = 8 with variance E[X^4] - 64 = 384 - 64.
    expect(Math.abs(sumE / n - 2)).toBeLessThan(4 * 2 / Math.sqrt(n));
    expect(Math.abs(sumESq / n - 8)).toBeLessThan(4 * Math.sqrt(320 / n));
    expect(s.exponential(0)).toBe(Infinity);
  });
});
