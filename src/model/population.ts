// Patients (MODEL.md "A patient"): attributes drawn once, before and independently of any policy.
import type { CompiledScenario } from './compile.js';
import { phi } from './normal.js';
import type { Stream } from '../rng/streams.js';

/** One patient's attributes and derived per-drug constants; allocated once per block and refilled. */
export class Patient {
  salt0 = 0;
  durYears = 0;
  minoxidil = 0;
  /** Natural-course worsening, SALT points a month. */
  omega = 0;
  /** Per drug: regrowth potential G = Phi(L). */
  readonly potential: Float64Array;
  /** Per drug: 1 / tau, tau = tau_d exp(sTau W_d), months^-1. */
  readonly invTau: Float64Array;
  /** Per drug: months on drug until adverse-event discontinuation (Infinity for rate 0). */
  readonly aeMonths: Float64Array;
  /** 1 / tauOff_i, months^-1: the scenario's 1 / tauOff unless the offset is patient-specific (MODEL.md v2). */
  invTauOff = 0;
  /**
   * Per drug: escape time X_d, months from the start of a line on d (MODEL.md v2, "Loss of response on
   * drug"); Infinity when the scenario has no escape (then never written).
   */
  readonly escapeMonths: Float64Array;
  /** Per drug scratch: independent normals e, then Z = C e. */
  readonly e: Float64Array;

  constructor(drugCount: number) {
    this.potential = new Float64Array(drugCount);
    this.invTau = new Float64Array(drugCount);
    this.aeMonths = new Float64Array(drugCount);
    this.escapeMonths = new Float64Array(drugCount).fill(Infinity);
    this.e = new Float64Array(drugCount);
  }
}

/**
 * Draw one patient in place. The stream is read in a fixed order and a fixed
 * number of times per patient whatever the parameters (salt0 bin and value,
 * duration, minoxidil, worsening share and rate, e[], W[], A[]), so a
 * parameter sweep keeps the same patients (common random numbers).
 * Version 2 draws come after all of these, and only for a mechanism that is on:
 * V (a normal) when sTauOff > 0, then X[] (an exponential per catalog drug)
 * when some escapeRate > 0. A version-1 scenario reads the stream exactly as
 * before; a sweep that switches a mechanism on or off changes the draws of
 * the later patients of each block (no common random numbers across that switch).
 */
export function drawPatient(rng: Stream, c: CompiledScenario, p: Patient): void {
  const uBin = rng.uniform();
  const uSalt = rng.uniform();
  let bin = 0;
  while (uBin >= c.saltBinCum[bin]) bin++;
  p.salt0 = c.saltBinMin[bin] + uSalt * c.saltBinWidth[bin];

  const dur = Math.exp(c.durLogMedian + c.durSdlog * rng.normal());
  p.durYears = dur < c.durMin ? c.durMin : dur > c.durMax ? c.durMax : dur;
  p.minoxidil = rng.uniform() < c.minoxidilShare ? 1 : 0;

  const worsens = rng.uniform() < c.worseningShare;
  // The rate's uniform is read whether or not the patient worsens; its log only when it is used.
  const uRate = rng.uniform();
  p.omega = worsens ? -Math.log1p(-uRate) * c.worseningMean : 0;

  const n = c.drugCount;
  const e = p.e;
  for (let d = 0; d < n; d++) e[d] = rng.normal();
  fillPotential(c, p);
  for (let d = 0; d < n; d++) p.invTau[d] = Math.exp(-c.sTau * rng.normal()) / c.tau[d];
  // Exponential(rate) = Exponential(1) / rate: one draw per drug even when the rate is 0.
  for (let d = 0; d < n; d++) p.aeMonths[d] = rng.exponential(1) / c.aeRate[d];
  // tauOff_i = tauOff exp(sTauOff V).
  p.invTauOff = c.offsetOn ? c.invTauOff * Math.exp(-c.sTauOff * rng.normal()) : c.invTauOff;
  // X_d = Exponential(1) / rate, as rng.exponential(1) (1 - u > 0) written out: V8 did not inline that call here.
  if (c.escapeOn) for (let d = 0; d < n; d++) p.escapeMonths[d] = -Math.log1p(-rng.uniform()) / c.escapeRate[d];
}

/** G_d = Phi(L_d) for every drug from the patient's covariates and its normals e (Z = C e). */
function fillPotential(c: CompiledScenario, p: Patient): void {
  const n = c.drugCount;
  const e = p.e;
  // Covariate part of L, shared by all drugs.
  const base = c.betaDur * (Math.log(p.durYears) - c.logRefDur)
    + c.betaMinoxidil * p.minoxidil
    + (p.salt0 >= 95 ? c.betaVerySevere : 0);
  for (let d = 0; d < n; d++) {
    let z = 0;
    const row = d * n;
    for (let j = 0; j < n; j++) z += c.factor[row + j] * e[j];
    p.potential[d] = phi(c.mu[d] + base + c.sigma * z);
  }
}

/**
 * A drawn patient given fixed covariates (prediction for one patient): salt0, durYears and minoxidil
 * replaced and G recomputed from the same latent normals; everything else as drawn.
 */
export function fixCovariates(c: CompiledScenario, p: Patient, salt0: number, durYears: number, minoxidil: number): void {
  p.salt0 = salt0;
  p.durYears = durYears;
  p.minoxidil = minoxidil;
  fillPotential(c, p);
}
