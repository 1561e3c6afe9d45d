// profileInterval: bracketing and bisection on a profile, open edges at the search bound, the reference minimum.
import { describe, expect, it } from 'vitest';
import { CHI2_1_95, profileInterval } from '../../src/calibration/profile.js';

describe('profileInterval', () => {
  it('finds the 3.84 crossings of a quadratic deviance: estimate +- 1.96 se', async () => {
    const se = 0.3;
    const r = await profileInterval(async (v) => ((v - 1) / se) ** 2, 1, 0.1, [-10, 10], 1e-4);
    expect(r.lo).toBeCloseTo(1 - Math.sqrt(CHI2_1_95) * se, 3);
    expect(r.hi).toBeCloseTo(1 + Math.sqrt(CHI2_1_95) * se, 3);
  });

  it('reports an edge that reaches the search bound as open (null), and an asymmetric profile as asymmetric', async () => {
    // Rises steeply below 2 and levels off at 3 above it (a response ceiling): the upper edge is not bounded by the data.
    const r = await profileInterval(async (v) => (v < 2 ? 20 * (2 - v) : 3 * (1 - Math.exp(-(v - 2)))), 2, 0.1, [-6, 10], 1e-4);
    expect(r.hi).toBeNull();
    expect(r.lo).toBeCloseTo(2 - CHI2_1_95 / 20, 3);
  });

  it('measures the rise from the lowest profile value seen, not from the estimate', async () => {
    // The estimate 0 lies 4 deviance units above the minimum at 0.2: the interval is 0.2 +- 1.96 * 0.1.
    const r = await profileInterval(async (v) => ((v - 0.2) / 0.1) ** 2, 0, 0.05, [-5, 5], 1e-4);
    expect(r.argMin).toBeCloseTo(0.2, 6);
    expect(r.fMin).toBeCloseTo(0, 6);
    expect(r.lo).toBeCloseTo(0.2 - Math.sqrt(CHI2_1_95) * 0.1, 3);
    expect(r.hi).toBeCloseTo(0.2 + Math.sqrt(CHI2_1_95) * 0.1, 3);
  });
});
