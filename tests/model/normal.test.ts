// phi (MODEL.md "A drug acting on a patient": absolute error below 1e-7) against Python's math.erfc.
import { describe, expect, it } from 'vitest';
import { Z95, phi } from '../../src/model/normal.js';
import { PHI_REFERENCE } from '../fixtures/phiReference.js';

describe('phi', () => {
  it.each(PHI_REFERENCE)('phi(%s) is within 1e-7 of Python erfc (the contract)', (x, p) => {
    expect(Math.abs(phi(x) - p)).toBeLessThan(1e-7);
  });

  it('meets its documented accuracy, absolute error below 1e-14, at every reference point', () => {
    const worst = Math.max(...PHI_REFERENCE.map(([x, p]) => Math.abs(phi(x) - p)));
    expect(worst).toBeLessThan(1e-14);
  });

  it('is a CDF: 0 at -Infinity, 1 at +Infinity, symmetric, non-decreasing on a fine grid', () => {
    expect(phi(-Infinity)).toBe(0);
    expect(phi(Infinity)).toBe(1);
    let prev = -1;
    for (let i = -4000; i <= 4000; i++) {
      const x = i / 100;
      const v = phi(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      expect(Math.abs(v + phi(-x) - 1)).toBeLessThan(2e-16);
      prev = v;
    }
  });

  it('Z95 is the 0.975 quantile: Phi(Z95) = 0.975 per Python (0.975 exactly at this x)', () => {
    // Python: 0.5 * erfc(-1.959963984540054 / sqrt(2)) == 0.975
    expect(Math.abs(phi(Z95) - 0.975)).toBeLessThan(1e-15);
  });
});
