// Draw-level checks of drawPatient (MODEL.md "A patient"): each attribute's distribution within 4 SE of
// its closed form, Z recovered from G = Phi(L) with the test's own inverse normal, and common random numbers.
import { describe, expect, it } from 'vitest';
import { compileScenario, type CompiledScenario } from '../../src/model/compile.js';
import { Patient, drawPatient, drawPatientLazy, patientWordCount, readyDrug } from '../../src/model/population.js';
import { streamFor } from '../../src/rng/streams.js';
import { binomialSe, refPhi, refPhiInv } from '../fixtures/reference.js';
import { scenario } from '../fixtures/scenarios.js';

const N = 100_000;
const MU = [0.35, 0.1, -0.2];
const TAU = [2, 3, 4];
const AE = [0.1, 0.5, 0];
const G = { sigma: 0.8, k: 2, sTau: 0.5, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2 };

function doc(over: { rhoClass?: number; mu?: number[]; ae?: number[] } = {}) {
  return {
    seed: 5,
    patients: N,
    population: {
      salt0: [{ min: 95, max: 100, weight: 1 }, { min: 50, max: 95, weight: 3 }],
      durYears: { median: 3.5, sdlog: 0.8, min: 0.5, max: 20 },
      minoxidilShare: 0.3,
      worseningShare: 0.3,
      worseningMean: 1.5,
    },
    globals: G,
    catalog: [0, 1, 2].map((d) => ({
      id: `drug-${d}`, molecule: d < 2 ? 'alpha' : 'beta', mu: (over.mu ?? MU)[d], tau: TAU[d], aeRate: (over.ae ?? AE)[d],
    })),
    correlation: { rhoMolecule: 0.8, rhoClass: over.rhoClass ?? 0.3 },
    policies: [{ id: 'p', sequence: ['drug-0'] }],
  };
}

interface Draws { salt0: Float64Array; dur: Float64Array; minox: Float64Array; omega: Float64Array; z: Float64Array[]; w: Float64Array[]; a: Float64Array[] }

function draw(c: CompiledScenario, n: number): Draws {
  const rng = streamFor(c.seed, 0);
  const p = new Patient(c.drugCount);
  const out: Draws = {
    salt0: new Float64Array(n), dur: new Float64Array(n), minox: new Float64Array(n), omega: new Float64Array(n),
    z: [0, 1, 2].map(() => new Float64Array(n)), w: [0, 1, 2].map(() => new Float64Array(n)), a: [0, 1, 2].map(() => new Float64Array(n)),
  };
  for (let i = 0; i < n; i++) {
    drawPatient(rng, c, p);
    out.salt0[i] = p.salt0; out.dur[i] = p.durYears; out.minox[i] = p.minoxidil; out.omega[i] = p.omega;
    // L = mu + betaDur ln(dur / ref) + betaMinoxidil m + betaVerySevere [salt0 >= 95] + sigma Z, computed here from MODEL.md.
    const base = G.betaDur * Math.log(p.durYears / G.refDurYears) + G.betaMinoxidil * p.minoxidil + (p.salt0 >= 95 ? G.betaVerySevere : 0);
    for (let d = 0; d < 3; d++) {
      out.z[d][i] = (refPhiInv(p.potential[d]) - c.mu[d] - base) / G.sigma;
      out.w[d][i] = -Math.log(p.invTau[d] * TAU[d]) / G.sTau; // tau = tau_d exp(sTau W)
      out.a[d][i] = p.aeMonths[d];
    }
  }
  return out;
}

const mean = (x: ArrayLike<number>) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]; return s / x.length; };
const share = (x: ArrayLike<number>, pred: (v: number) => boolean) => { let s = 0; for (let i = 0; i < x.length; i++) if (pred(x[i])) s++; return s / x.length; };
function corr(x: Float64Array, y: Float64Array): number {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
  return sxy / Math.sqrt(sxx * syy);
}
function expectShare(observed: number, p: number, n: number) {
  expect(Math.abs(observed - p)).toBeLessThan(4 * binomialSe(p, n));
}

describe('drawPatient', () => {
  const c = compileScenario(scenario(doc()));
  const d = draw(c, N);

  it('salt0: bin weights 1:3, uniform within each bin', () => {
    expectShare(share(d.salt0, (s) => s >= 95), 0.25, N);
    expect(share(d.salt0, (s) => s >= 50 && s < 100)).toBe(1);
    const hi = d.salt0.filter((s) => s >= 95);
    const lo = d.salt0.filter((s) => s < 95);
    // Uniform on [a, b]: mean (a + b) / 2, SD (b - a) / sqrt 12.
    expect(Math.abs(mean(hi) - 97.5)).toBeLessThan(4 * (5 / Math.sqrt(12)) / Math.sqrt(hi.length));
    expect(Math.abs(mean(lo) - 72.5)).toBeLessThan(4 * (45 / Math.sqrt(12)) / Math.sqrt(lo.length));
    expectShare(share(lo, (s) => s < 61.25), 0.25, lo.length);
  });

  it('durYears: log-normal median 3.5, sdlog 0.8, with point masses at the clamps 0.5 and 20', () => {
    const pMin = refPhi(Math.log(0.5 / 3.5) / 0.8);
    const pMax = refPhi(-Math.log(20 / 3.5) / 0.8);
    expectShare(share(d.dur, (v) => v === 0.5), pMin, N);
    expectShare(share(d.dur, (v) => v === 20), pMax, N);
    expect(share(d.dur, (v) => v < 0.5 || v > 20)).toBe(0);
    expectShare(share(d.dur, (v) => v <= 3.5), 0.5, N);
    expectShare(share(d.dur, (v) => v <= 2), refPhi(Math.log(2 / 3.5) / 0.8), N);
  });

  it('minoxidil: Bernoulli(0.3); omega: 0 with probability 0.7, else exponential with mean 1.5', () => {
    expectShare(mean(d.minox), 0.3, N);
    expectShare(share(d.omega, (v) => v > 0), 0.3, N);
    const pos = d.omega.filter((v) => v > 0);
    expect(Math.abs(mean(pos) - 1.5)).toBeLessThan(4 * 1.5 / Math.sqrt(pos.length));
    expectShare(share(pos, (v) => v > 1.5), Math.exp(-1), pos.length);
  });

  it('Z: standard normal margins, correlation rhoMolecule 0.8 within a molecule and rhoClass 0.3 across (SE (1 - rho^2)/sqrt n)', () => {
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(mean(d.z[k]))).toBeLessThan(4 / Math.sqrt(N));
      expect(Math.abs(mean(d.z[k].map((v) => v * v)) - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    }
    const pairs: [number, number, number][] = [[0, 1, 0.8], [0, 2, 0.3], [1, 2, 0.3]];
    for (const [i, j, rho] of pairs) {
      expect(Math.abs(corr(d.z[i], d.z[j]) - rho)).toBeLessThan(4 * (1 - rho * rho) / Math.sqrt(N));
      // Orthant probability, invariant to any monotone map: P(Z_i > 0, Z_j > 0) = 1/4 + asin(rho) / (2 pi).
      const both = share(d.z[i].map((v, m) => (v > 0 && d.z[j][m] > 0 ? 1 : 0)), (v) => v === 1);
      expectShare(both, 0.25 + Math.asin(rho) / (2 * Math.PI), N);
    }
  });

  it('W: independent standard normals, independent of Z; A: exponential with rate aeRate (Infinity for 0)', () => {
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(mean(d.w[k]))).toBeLessThan(4 / Math.sqrt(N));
      expect(Math.abs(mean(d.w[k].map((v) => v * v)) - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
      expect(Math.abs(corr(d.w[k], d.z[k]))).toBeLessThan(4 / Math.sqrt(N));
    }
    expect(Math.abs(corr(d.w[0], d.w[1]))).toBeLessThan(4 / Math.sqrt(N));
    for (const k of [0, 1]) {
      expect(Math.abs(mean(d.a[k]) - 1 / AE[k])).toBeLessThan(4 * (1 / AE[k]) / Math.sqrt(N));
      expectShare(share(d.a[k], (v) => v <= 2), 1 - Math.exp(-AE[k] * 2), N);
    }
    expect(share(d.a[2], (v) => v === Infinity)).toBe(1);
  });

  it('common random numbers: other mu, rhoClass and aeRate leave the same patients (same salt0, dur, omega, W, A x rate)', () => {
    const n = 5000;
    const other = draw(compileScenario(scenario(doc({ rhoClass: 0.9, mu: [1, -1, 0], ae: [0.2, 0.05, 1] }))), n);
    const same = draw(c, n);
    expect(other.salt0).toEqual(same.salt0);
    expect(other.dur).toEqual(same.dur);
    expect(other.omega).toEqual(same.omega);
    expect(other.w).toEqual(same.w);
    for (let i = 0; i < n; i++) {
      expect(other.a[0][i] * 0.2).toBeCloseTo(same.a[0][i] * 0.1, 12);
      expect(other.a[1][i] * 0.05).toBeCloseTo(same.a[1][i] * 0.5, 12);
    }
  });
});

describe('version-2 draws (MODEL.md "Draw order"; engine 0.2: fixed slots)', () => {
  const v2 = (sTauOff: number, escape: number[]) => {
    const d = doc();
    return compileScenario(scenario({
      ...d, globals: { ...G, sTauOff }, catalog: d.catalog.map((x, i) => ({ ...x, escapeRate: escape[i] })),
    }));
  };

  it('V ~ N(0, 1): ln tauOff_i has mean ln tauOff and sd sTauOff; X_d ~ Exp(escapeRate_d), Infinity at rate 0', () => {
    const c = v2(0.6, [0.2, 0, 0.05]);
    const rng = streamFor(c.seed, 0);
    const p = new Patient(3);
    const n = 50_000;
    const v = new Float64Array(n);
    const x = [0, 1, 2].map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      drawPatient(rng, c, p);
      v[i] = Math.log(1 / (p.invTauOff * G.tauOff)) / 0.6; // tauOff_i = tauOff e^(sTauOff V)
      for (let d = 0; d < 3; d++) x[d][i] = p.escapeMonths[d];
    }
    const m = mean(v);
    const sd = Math.sqrt(mean(v.map((y) => (y - m) ** 2)));
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sd - 1)).toBeLessThan(4 * Math.sqrt(0.5 / n));
    // P(X > t) = e^(-rate t) at t = 1 / rate: e^-1.
    expect(Math.abs(share(x[0], (y) => y > 5) - Math.exp(-1))).toBeLessThan(4 * binomialSe(Math.exp(-1), n));
    expect(Math.abs(share(x[2], (y) => y > 20) - Math.exp(-1))).toBeLessThan(4 * binomialSe(Math.exp(-1), n));
    expect(x[1].every((y) => y === Infinity)).toBe(true);
  });

  it('fixed slots (model/population.ts): every patient is the same with the mechanisms on or off (common random numbers)', () => {
    const patients = (c: CompiledScenario) => {
      const rng = streamFor(c.seed, 0);
      const p = new Patient(3);
      const out: number[] = [];
      for (let i = 0; i < 50; i++) {
        drawPatient(rng, c, p);
        out.push(p.salt0, p.durYears, p.minoxidil, p.omega, ...p.potential, ...p.invTau, ...p.aeMonths);
      }
      return out;
    };
    const off = patients(v2(0, [0, 0, 0]));
    expect(patients(v2(0.6, [0.2, 0, 0.05]))).toEqual(off);
    expect(patients(compileScenario(scenario(doc())))).toEqual(off);
  });

  it('every patient takes the same number of words whatever the mechanisms: the stream is where it would be', () => {
    const after = (c: CompiledScenario, patients: number) => {
      const rng = streamFor(c.seed, 0);
      const p = new Patient(3);
      for (let i = 0; i < patients; i++) drawPatient(rng, c, p);
      return [rng.uniform(), rng.uniform()];
    };
    const v1 = after(compileScenario(scenario(doc())), 3);
    expect(after(v2(0, [0, 0, 0]), 3)).toEqual(v1);
    expect(after(v2(0.6, [0, 0, 0]), 3)).toEqual(v1);
    expect(after(v2(0, [0, 0.1, 0]), 3)).toEqual(v1);
    const rng = streamFor(5, 0);
    for (let i = 0; i < 3 * patientWordCount(3); i++) rng.nextInt32();
    expect([rng.uniform(), rng.uniform()]).toEqual(v1);
  });

  it('lazy draws (drawPatientLazy, then readyDrug per drug, in any order) give exactly drawPatient\'s values', () => {
    const c = v2(0.6, [0.2, 0, 0.05]);
    const eager = streamFor(c.seed, 0);
    const lazy = streamFor(c.seed, 0);
    const p = new Patient(3);
    const q = new Patient(3);
    for (let i = 0; i < 200; i++) {
      drawPatient(eager, c, p);
      drawPatientLazy(lazy, c, q);
      for (const d of i % 2 ? [2, 0, 1] : [1, 2, 0]) readyDrug(c, q, d);
      expect([q.salt0, q.durYears, q.minoxidil, q.omega, q.invTauOff, ...q.potential, ...q.invTau, ...q.aeMonths, ...q.escapeMonths])
        .toEqual([p.salt0, p.durYears, p.minoxidil, p.omega, p.invTauOff, ...p.potential, ...p.invTau, ...p.aeMonths, ...p.escapeMonths]);
    }
  });
});
