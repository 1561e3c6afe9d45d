// Two-sample tests of stats/tests.ts (and the tails of stats/special.ts) against values from SciPy and Newcombe (1998).
import { describe, expect, it } from 'vitest';
import { normalQuantile, studentTUpper } from '../../src/stats/special.js';
import {
  fisherExactP, logFactorials, newcombeInterval, twoProportionPower, twoProportionZ, welchTest,
} from '../../src/stats/tests.js';
import { Z95 } from '../../src/model/normal.js';

// Reference values computed on 2026-11-27 with Python 3 and SciPy 1.17.1:
//   stats.fisher_exact([[xB, nB - xB], [xA, nA - xA]]) (two-sided) and alternative='greater',
//   stats.ttest_ind_from_stats(mB, sB, nB, mA, sA, nA, equal_var=False) (and alternative='greater'),
//   stats.t.sf(t, df), stats.norm.ppf(p).
const FISHER: [number, number, number, number, number, number][] = [
  // xA, nA, xB, nB, two-sided p, one-sided p (pB > pA)
  [3, 10, 8, 10, 0.06977851869492736, 0.03488925934746368],
  [12, 50, 20, 50, 0.13283909060778196, 0.06641954530389096],
  [0, 5, 5, 5, 0.007936507936507938, 0.003968253968253969],
  [40, 100, 55, 100, 0.04716548538301931, 0.023582742691509655],
  [7, 30, 3, 25, 0.3183950911062631, 0.9267111026739808],
];
const WELCH: [number, number, number, number, number, number, number, number, number][] = [
  // mA, sdA, nA, mB, sdB, nB, t, two-sided p, one-sided p (mean B > mean A)
  [5.0, 2.0, 20, 6.5, 3.0, 25, 2.004459314343183, 0.051530072003844275, 0.025765036001922138],
  [10.0, 1.0, 8, 9.0, 4.0, 12, -0.828078671210825, 0.42259093013658167, 0.7887045349317092],
  [0.0, 1.0, 100, 0.2, 1.5, 80, 1.0242950394631678, 0.3075713628768715, 0.15378568143843574],
];
const T_SF: [number, number, number][] = [
  [2.0, 3, 0.06966298427942152], [1.3, 7.5, 0.11606338940780439], [-0.7, 12.25, 0.7514968021227261], [3.5, 40, 0.0005788533073787349],
];
const PPF: [number, number][] = [
  [0.975, 1.959963984540054], [0.95, 1.6448536269514722], [0.995, 2.5758293035489004], [0.8, 0.8416212335729143], [1e-6, -4.753424308822899],
];

describe('hypothesis tests', () => {
  it('Fisher exact p-values match SciPy (two-sided and one-sided)', () => {
    const lf = logFactorials(400);
    for (const [xA, nA, xB, nB, p2, p1] of FISHER) {
      expect(fisherExactP(xA, nA, xB, nB, 2, lf)).toBeCloseTo(p2, 12);
      expect(fisherExactP(xA, nA, xB, nB, 1, lf)).toBeCloseTo(p1, 12);
    }
  });

  it("Welch's t and p match SciPy", () => {
    for (const [mA, sA, nA, mB, sB, nB, t, p2, p1] of WELCH) {
      const sum = (m: number, n: number) => m * n;
      const sq = (m: number, s: number, n: number) => (n - 1) * s * s + n * m * m;
      const two = welchTest(sum(mA, nA), sq(mA, sA, nA), nA, sum(mB, nB), sq(mB, sB, nB), nB, 2);
      const one = welchTest(sum(mA, nA), sq(mA, sA, nA), nA, sum(mB, nB), sq(mB, sB, nB), nB, 1);
      expect(two.t).toBeCloseTo(t, 10);
      expect(two.p).toBeCloseTo(p2, 10);
      expect(one.p).toBeCloseTo(p1, 10);
    }
  });

  it("Student's t tail matches SciPy and the closed forms at 1 and 2 degrees of freedom", () => {
    for (const [t, df, sf] of T_SF) expect(studentTUpper(t, df)).toBeCloseTo(sf, 12);
    for (const t of [-3, -0.5, 0, 0.7, 4]) {
      expect(studentTUpper(t, 1)).toBeCloseTo(0.5 - Math.atan(t) / Math.PI, 12); // Cauchy
      expect(studentTUpper(t, 2)).toBeCloseTo(0.5 - t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('normal quantile matches SciPy', () => {
    // Phi is within 1e-14 absolutely: at p = 1e-6 that allows about 2e-9 in the quantile (1e-14 / density).
    for (const [p, q] of PPF) expect(Math.abs(normalQuantile(p) - q)).toBeLessThan(p < 1e-3 ? 1e-8 : 1e-11);
  });

  it("Newcombe's hybrid score interval matches Newcombe (1998), Table II, method 10 (4 decimals)", () => {
    // pB - pA for 56/70 - 48/80, 9/10 - 3/10, 5/56 - 0/29.
    const cases: [number, number, number, number, number, number][] = [
      [48, 80, 56, 70, 0.0524, 0.3339], [3, 10, 9, 10, 0.1705, 0.8090], [0, 29, 5, 56, -0.0381, 0.1926],
    ];
    for (const [xA, nA, xB, nB, lo, hi] of cases) {
      const [l, h] = newcombeInterval(xA, nA, xB, nB, Z95);
      expect(Math.abs(l - lo)).toBeLessThan(6e-5);
      expect(Math.abs(h - hi)).toBeLessThan(6e-5);
    }
  });

  it('z statistic: by hand, and 0 when all or none responded', () => {
    // 30/100 vs 45/100: pooled 0.375, se = sqrt(0.375 * 0.625 * 0.02)
    expect(twoProportionZ(30, 100, 45, 100)).toBeCloseTo(0.15 / Math.sqrt(0.375 * 0.625 * 0.02), 14);
    expect(twoProportionZ(0, 10, 0, 12)).toBe(0);
    expect(twoProportionZ(10, 10, 12, 12)).toBe(0);
  });

  it('normal-approximation power: alpha at no effect, the textbook 80% case', () => {
    expect(twoProportionPower(0.4, 0.4, 100, 100, 0.05, 2)).toBeCloseTo(0.05, 12);
    // 0.5 vs 0.65 needs about 167 per arm for 80% power at two-sided 5% (Fleiss et al. without correction).
    expect(twoProportionPower(0.5, 0.65, 167, 167, 0.05, 2)).toBeGreaterThan(0.79);
    expect(twoProportionPower(0.5, 0.65, 167, 167, 0.05, 2)).toBeLessThan(0.81);
  });
});
