// The test-side references (tests/fixtures/reference.ts) are themselves checked against another program.
import { describe, expect, it } from 'vitest';
import { PHI_REFERENCE } from '../fixtures/phiReference.js';
import { gaussLegendre, gradedTowardsUpper, integrate, refDensity, refPhi, refPhiInv } from '../fixtures/reference.js';

describe('test references', () => {
  it('refPhi matches Python math.erfc to 1e-16 absolute and 1e-12 relative', () => {
    for (const [x, p] of PHI_REFERENCE) {
      if (x < -37.5) continue; // subnormal results: relative error is meaningless there
      const v = refPhi(x);
      expect(Math.abs(v - p)).toBeLessThan(1e-16 + 1e-12 * p);
    }
  });

  it('refPhiInv inverts refPhi across both tails', () => {
    for (let x = -30; x <= 8; x += 0.37) {
      // Above 0, Phi(x) is a double near 1: its rounding (1.1e-16) moves the inverse by 1.1e-16 / density.
      const conditioning = x > 0 ? 2.3e-16 / refDensity(x) : 0;
      expect(Math.abs(refPhiInv(refPhi(x)) - x)).toBeLessThan(1e-12 * Math.max(1, Math.abs(x)) + conditioning);
    }
    expect(Math.abs(refPhiInv(0.975) - 1.959963984540054)).toBeLessThan(1e-13);
  });

  it('Gauss-Legendre with n points integrates x^(2n-1) + x^(2n-2) exactly on [-1, 1]', () => {
    for (const n of [2, 5, 8, 12, 20]) {
      const { x, w } = gaussLegendre(n);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += w[i] * (x[i] ** (2 * n - 1) + x[i] ** (2 * n - 2));
      expect(Math.abs(sum - 2 / (2 * n - 1))).toBeLessThan(1e-13);
    }
  });

  it('composite and graded rules integrate the normal density to Python CDF differences', () => {
    // Python: 0.5*erfc(-2/sqrt(2)) - 0.5*erfc(1/sqrt(2)) = 0.9772498680518208 - 0.15865525393145707
    expect(Math.abs(integrate(refDensity, -1, 2, 4, 10) - (0.9772498680518208 - 0.15865525393145707))).toBeLessThan(1e-14);
    // A weak endpoint singularity: integral of sqrt(1 - x) on [0, 1] = 2/3.
    const g = gradedTowardsUpper(0, 1, 4, 40, 10);
    let sum = 0;
    for (let i = 0; i < g.x.length; i++) sum += g.w[i] * Math.sqrt(1 - g.x[i]);
    expect(Math.abs(sum - 2 / 3)).toBeLessThan(1e-12);
  });
});
