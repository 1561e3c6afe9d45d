// Monte Carlo intervals: Wilson score bounds checked by their defining equation, the paired difference's
// variance by brute force over per-patient differences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedDifference, wilson } from '../../src/stats/intervals.js';

const Z = 1.959963984540054; // Phi^-1(0.975); Python: 0.5 * erfc(-1.959963984540054 / sqrt(2)) == 0.975

describe('wilson', () => {
  it('bounds solve (phat - p)^2 = z^2 p (1 - p) / n, the score-test boundary (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.round(f * n);
        const r = wilson(x, n);
        const phat = x / n;
        expect(r.rate).toBe(phat);
        if (x > 0 && x < n) {
          expect(r.lo).toBeLessThan(phat);
          expect(r.hi).toBeGreaterThan(phat);
        }
        for (const p of [r.lo, r.hi]) {
          // Residual of the quadratic, relative to its scale.
          const residual = (phat - p) ** 2 - (Z * Z * p * (1 - p)) / n;
          expect(Math.abs(residual)).toBeLessThan(1e-12 * (1 + Z * Z / n));
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('x = 0: upper bound z^2 / (n + z^2); x = n: lower bound n / (n + z^2); no patients: [0, 1]', () => {
    for (const n of [1, 3, 10, 100, 12345]) {
      expect(wilson(0, n).hi).toBeCloseTo((Z * Z) / (n + Z * Z), 14);
      expect(wilson(n, n).lo).toBeCloseTo(n / (n + Z * Z), 14);
    }
    expect(wilson(0, 0)).toEqual({ rate: 0, lo: 0, hi: 1 });
  });

  it('contains its point estimate at the edges: lo is exactly 0 at x = 0 and hi exactly 1 at x = n', () => {
    // The score interval's lower root at x = 0 is 0 exactly (and the upper root at x = n is 1); a bound
    // of 5.6e-17 (n = 3) or 0.9999999999999999 (n = 10) excludes the reported rate.
    const wrong: string[] = [];
    for (let n = 1; n <= 2000; n++) {
      const none = wilson(0, n);
      const all = wilson(n, n);
      if (none.lo !== 0) wrong.push(`wilson(0, ${n}).lo = ${none.lo}`);
      if (all.hi !== 1) wrong.push(`wilson(${n}, ${n}).hi = ${all.hi}`);
    }
    expect(wrong.slice(0, 4)).toEqual([]);
  });
});

describe('pairedDifference', () => {
  it('diff is the mean of d_i = b_i - a_i and the half-width z sqrt(var(d) / n) (property)', () => {
    const pairs = fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 400 });
    fc.assert(
      fc.property(pairs, (ab) => {
        const n = ab.length;
        const d = ab.map(([a, b]) => Number(b) - Number(a));
        const mean = d.reduce((s, v) => s + v, 0) / n;
        const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / n; // the plug-in (1/n) variance
        const bOnly = ab.filter(([a, b]) => b && !a).length;
        const aOnly = ab.filter(([a, b]) => a && !b).length;
        const r = pairedDifference(bOnly, aOnly, n);
        expect(r.diff).toBeCloseTo(mean, 14);
        expect((r.hi - r.lo) / 2).toBeCloseTo(Z * Math.sqrt(variance / n), 12);
        expect((r.hi + r.lo) / 2).toBeCloseTo(mean, 14);
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});
