// stats/special.ts against another program: ln Gamma and the chi-square tail against Python 3.11.7's math.lgamma
// and math.erfc (computed 2026-12-01), and against closed forms for even degrees of freedom.
import { describe, expect, it } from 'vitest';
import { CHI2_1_95, chiSquareUpperTail, lnGamma, normalQuantile, regularizedGammaP } from '../../src/stats/special.js';

/** [x, math.lgamma(x)] from Python 3.11.7. */
const LGAMMA: [number, number][] = [
  [0.1, 2.2527126517342055], [0.5, 0.5723649429247004], [1, 0], [1.5, -0.12078223763524543], [2.5, 0.2846828704729196],
  [7, 6.579251212010102], [14.9, 24.924132002217277], [15, 25.191221182738683], [30.5, 72.9534711841694],
  [100, 359.1342053695754], [1000.25, 5906.947268271117],
];

/** [x, P(chi-square 1 df >= x) = math.erfc(sqrt(x / 2))] from Python 3.11.7. */
const CHI1: [number, number][] = [
  [0.5, 0.4795001221869535], [1, 0.31731050786291404], [3.841458820694124, 0.05000000000000008],
  [10, 0.0015654022580025488], [40, 2.53962858947086e-10],
];

describe('special functions', () => {
  it('lnGamma matches Python math.lgamma to 1e-14 relative (absolute near the zero at 1 and 2)', () => {
    for (const [x, v] of LGAMMA) expect(Math.abs(lnGamma(x) - v)).toBeLessThan(1e-14 * Math.max(1, Math.abs(v)));
  });

  it('chi-square upper tail, 1 df, matches erfc(sqrt(x/2)) to 1e-13 relative', () => {
    for (const [x, p] of CHI1) expect(Math.abs(chiSquareUpperTail(x, 1) - p)).toBeLessThan(1e-13 * p);
  });

  it('chi-square upper tail for even df equals the Poisson sum exp(-x/2) sum_{k<df/2} (x/2)^k / k!', () => {
    for (const df of [2, 4, 6, 10, 30]) {
      for (const x of [0.3, 1, 4, 9.5, 25, 60]) {
        let term = 1;
        let sum = 1;
        for (let k = 1; k < df / 2; k++) { term *= x / 2 / k; sum += term; }
        const exact = Math.exp(-x / 2) * sum;
        expect(Math.abs(chiSquareUpperTail(x, df) - exact)).toBeLessThan(1e-13 * Math.max(exact, 1e-300) + 1e-300);
      }
    }
    expect(regularizedGammaP(3, 0)).toBe(0);
    expect(chiSquareUpperTail(0, 3)).toBe(1);
  });

  it('CHI2_1_95 is the square of the 97.5% normal quantile and cuts 5% of chi-square 1 df', () => {
    expect(Math.abs(CHI2_1_95 - normalQuantile(0.975) ** 2)).toBeLessThan(1e-14);
    expect(Math.abs(chiSquareUpperTail(CHI2_1_95, 1) - 0.05)).toBeLessThan(1e-15);
  });
});
