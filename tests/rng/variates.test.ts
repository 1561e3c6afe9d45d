// Variates from single words (src/rng/variates.ts) and the tabled Phi (src/model/normal.ts) against the
// test's own references: a bisection on Phi from tests/fixtures/reference.ts, never the code under test.
import { describe, expect, it } from 'vitest';
import { phi, phiTabled } from '../../src/model/normal.js';
import { exponentialOfWord, lognormalOfWord, lognormalTable, normalOfWord, openUniformOfWord } from '../../src/rng/variates.js';
import { refPhi } from '../fixtures/reference.js';

/** Phi^-1(u) by bisection on the reference Phi (to about 1e-15); by symmetry above 1/2, where Phi near 1 cannot resolve 1 - u. */
function refPhiInverse(u: number): number {
  if (u > 0.5) return -refPhiInverse(1 - u);
  let lo = -40, hi = 40;
  for (let k = 0; k < 200; k++) {
    const m = 0.5 * (lo + hi);
    if (refPhi(m) < u) lo = m; else hi = m;
  }
  return 0.5 * (lo + hi);
}

/** Words spread over the whole range, with the extremes. */
const WORDS = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), ...Array.from({ length: 4000 }, (_, i) => Math.imul(i, 2654435761) | 0)];

describe('variates from one word', () => {
  it('normalOfWord is Phi^-1 of the open uniform to 2e-9 (relative in the tails), finite at the extremes', () => {
    for (const w of WORDS) {
      const u = openUniformOfWord(w);
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      const z = normalOfWord(w);
      const ref = refPhiInverse(u);
      expect(Math.abs(z - ref)).toBeLessThan(2e-9 * Math.max(1, Math.abs(ref)));
    }
    expect(Math.abs(normalOfWord(0))).toBeLessThan(6.34);
  });

  it('is monotone in the unsigned word (inversion), across the table and tail boundaries', () => {
    let last = -Infinity;
    for (let k = 0; k <= 200_000; k++) {
      const z = normalOfWord(Math.round((k / 200_000) * 4294967295) | 0);
      expect(z).toBeGreaterThanOrEqual(last);
      last = z;
    }
  });

  it('lognormalOfWord is exp(-scale Z) of the same word to 1e-9 relative', () => {
    for (const scale of [0.5, 1.3]) {
      const table = lognormalTable(scale);
      for (const w of WORDS) {
        const want = Math.exp(-scale * refPhiInverse(openUniformOfWord(w)));
        expect(Math.abs(lognormalOfWord(w, scale, table) / want - 1)).toBeLessThan(1e-9);
      }
    }
  });

  it('exponentialOfWord is -ln u: finite, positive', () => {
    for (const w of WORDS) {
      const e = exponentialOfWord(w);
      expect(e).toBeGreaterThan(0);
      expect(Math.abs(e + Math.log(openUniformOfWord(w)))).toBeLessThan(1e-15 * Math.max(1, e));
    }
  });
});

describe('phiTabled', () => {
  it('is within 1e-10 of the reference Phi over the table and beyond it (MODEL.md asks 1e-7)', () => {
    let worst = 0;
    for (let x = -9; x <= 9; x += 0.000731) worst = Math.max(worst, Math.abs(phiTabled(x) - refPhi(x)));
    expect(worst).toBeLessThan(1e-10);
    expect(phiTabled(40)).toBe(phi(40));
    expect(phiTabled(-40)).toBe(phi(-40));
  });
});
