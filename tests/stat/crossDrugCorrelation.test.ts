// Limiting cases of cross-drug correlation (MODEL.md "A patient", "A switching policy"): one baseline SALT,
// no covariates, no worsening, no AEs, sTau = 0, two drugs with equal parameters as lines 1 and 2.
//
// With s = salt0 (about 80), a = 1 - 20 / s and h increasing, line 1 (months 1..F) responds iff
// G1 h(F) >= a, i.e. Z1 >= z* = Phi^-1(a / h(F)) - mu (sigma = 1). Line 2 starts at F and runs to the
// horizon 2F, so it sees h(1..F) like line 1 did; the residual of line 1 is at most G1 h(F) < a for a
// line-1 failure, so it can never produce a response by itself (for any tauOff), and line 2 responds iff
// Z2 >= z*. Hence: P(line 1) = Phi(-z*); P(line 2 | line-1 failure) = P(Z2 >= z*, Z1 < z*) / Phi(z*),
// a one-dimensional integral, and with rho = 1 (Z2 = Z1) exactly nobody responds on line 2.
// Two doses of one molecule back to back are a dose change (MODEL.md v2): line 2 keeps the clock and sees
// h(F + 1 .. 2F), so with rho = 1 it responds iff z*(2F) <= Z1 < z*(F). The other same-molecule runs put a
// switch gap of 1e-6 months between the lines (a new start, line 2 seeing h(u - 1e-6): z* moves by ~1e-7).
import { describe, expect, it } from 'vitest';
import { planBlocks, runBlock } from '../../src/engine/runBlock.js';
import { summarizeRun } from '../../src/engine/summarize.js';
import { compileScenario } from '../../src/model/compile.js';
import { binomialSe, integrate, refDensity, refPhi, refPhiInv } from '../fixtures/reference.js';
import { PLAIN_GLOBALS, PLAIN_POPULATION, scenario } from '../fixtures/scenarios.js';

const MU = 0.5;
const TAU = 3;
const FAIL = 6;
const N = 200_000;

/** A gap too short to matter that makes two doses of one molecule a new start rather than a dose change. */
const GAP = 1e-6;

function run(correlation: Record<string, number>, sameMolecule = false, gap = sameMolecule ? GAP : 0) {
  const s = scenario({
    seed: 4242,
    patients: N,
    horizon: 2 * FAIL,
    switchGapMonths: gap,
    population: PLAIN_POPULATION,
    globals: PLAIN_GLOBALS,
    catalog: [
      { id: 'drug-a', molecule: 'alpha', mu: MU, tau: TAU, aeRate: 0 },
      { id: 'drug-b', molecule: sameMolecule ? 'alpha' : 'beta', mu: MU, tau: TAU, aeRate: 0 },
    ],
    correlation,
    policies: [{ id: 'a-then-b', sequence: ['drug-a', 'drug-b'], failAtMonths: FAIL }],
  });
  const c = compileScenario(s);
  const acc = new Float64Array(c.layout.length);
  for (const block of planBlocks(N)) {
    const out = runBlock(c, block);
    for (let i = 0; i < acc.length; i++) acc[i] += out[i];
  }
  return summarizeRun(s, c, acc, { workers: 1, engineVersion: 'test' }).policies[0];
}

/** z* for baseline SALT s: Phi(mu + Z) h(months) >= 1 - 20 / s  <=>  Z >= z* (months: F by default). */
function zStar(s: number, months = FAIL): number {
  const h = 1 - Math.exp(-((months / TAU) ** 2));
  return refPhiInv((1 - 20 / s) / h) - MU;
}

/** P(Z2 >= z, Z1 < z) / P(Z1 < z) for a standard bivariate normal with correlation rho, |rho| < 1. */
function lineTwoShare(z: number, rho: number): number {
  const joint = integrate((z1) => refDensity(z1) * refPhi((rho * z1 - z) / Math.sqrt(1 - rho * rho)), -12, z, 8, 12);
  return joint / refPhi(z);
}

/** Reference over the SALT bin [80, 80.0001]: the midpoint value, and the spread over the bin as error bound. */
function reference(f: (z: number, s: number) => number) {
  const [lo, mid, hi] = [80, 80.00005, 80.0001].map((s) => f(zStar(s), s));
  return { p: mid, err: Math.max(Math.abs(lo - mid), Math.abs(hi - mid)) + 1e-6 };
}

describe('cross-drug correlation limits', () => {
  const lineOne = reference((z) => refPhi(-z));

  it('the test is informative: line-1 response near 0.4', () => {
    expect(lineOne.p).toBeGreaterThan(0.3);
    expect(lineOne.p).toBeLessThan(0.5);
  });

  it('rhoClass = 1: line 2 adds exactly no responders', () => {
    const r = run({ rhoClass: 1 });
    const [l1, l2] = r.byLine;
    expect(l1.entered).toBe(N);
    expect(l2.entered).toBe(N - l1.responded);
    expect(l2.responded).toBe(0);
    expect(r.responders).toBe(l1.responded);
    expect(r.cumulative[FAIL - 1].rate).toBe(l1.responded / N); // nothing after month F
    expect(r.cumulative[2 * FAIL - 1].rate).toBe(l1.responded / N);
    expect(Math.abs(l1.share - lineOne.p)).toBeLessThan(4 * binomialSe(lineOne.p, N) + lineOne.err);
  });

  it('rhoMolecule = 1 for two doses of one molecule, a new start: also no line-2 responders', () => {
    const r = run({ rhoMolecule: 1, rhoClass: 0 }, true);
    expect(r.byLine[1].responded).toBe(0);
  });

  it('rhoMolecule = 1, back to back (a dose change keeps the clock): line 2 responds iff z*(2F) <= Z < z*(F)', () => {
    const r = run({ rhoMolecule: 1, rhoClass: 0 }, true, 0);
    const [l1, l2] = r.byLine;
    const ref = reference((z, s) => (refPhi(-zStar(s, 2 * FAIL)) - refPhi(-z)) / refPhi(z));
    expect(ref.p).toBeGreaterThan(0.02); // h(F) = 0.982, h(2F) = 1: a few per cent more
    expect(Math.abs(l1.share - lineOne.p)).toBeLessThan(4 * binomialSe(lineOne.p, N) + lineOne.err);
    expect(Math.abs(l2.share - ref.p)).toBeLessThan(4 * binomialSe(ref.p, l2.entered) + ref.err);
  });

  it('rhoClass = 0: line 2 among line-1 failures responds like line 1 (4 SE), both like the closed form', () => {
    const r = run({ rhoClass: 0 });
    const [l1, l2] = r.byLine;
    const p = lineOne.p;
    expect(Math.abs(l1.share - p)).toBeLessThan(4 * binomialSe(p, N) + lineOne.err);
    expect(Math.abs(l2.share - p)).toBeLessThan(4 * binomialSe(p, l2.entered) + lineOne.err);
    // The two estimates are independent (Z1 and Z2 are): SE of the difference.
    expect(Math.abs(l2.share - l1.share)).toBeLessThan(4 * Math.sqrt(p * (1 - p) * (1 / N + 1 / l2.entered)));
    expect(r.responders).toBe(l1.responded + l2.responded);
  });

  it.each([
    ['rhoClass 0.5', { rhoClass: 0.5 }, false, 0.5],
    ['rhoClass -0.5', { rhoClass: -0.5 }, false, -0.5],
    ['rhoMolecule 0.8 (two doses of one molecule)', { rhoMolecule: 0.8, rhoClass: 0 }, true, 0.8],
  ] as const)('%s: line-2 share among line-1 failures matches the bivariate-normal integral', (_, corr, same, rho) => {
    const r = run({ ...corr }, same);
    const [l1, l2] = r.byLine;
    const ref = reference((z) => lineTwoShare(z, rho));
    expect(Math.abs(l1.share - lineOne.p)).toBeLessThan(4 * binomialSe(lineOne.p, N) + lineOne.err);
    expect(Math.abs(l2.share - ref.p)).toBeLessThan(4 * binomialSe(ref.p, l2.entered) + ref.err);
    expect(r.responders).toBe(l1.responded + l2.responded);
  });
});
