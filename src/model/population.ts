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
  /** Per drug: (1 / tau)^k (model/drug.ts onsetPowerAt; unused, 0, for k = 2). */
  readonly invTauK: Float64Array;
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
    this.invTauK = new Float64Array(drugCount);
    this.aeMonths = new Float64Array(drugCount);
    this.escapeMonths = new Float64Array(drugCount).fill(Infinity);
    this.e = new Float64Array(drugCount);
  }
}

/**
 * The stream variates of one patient, in the order drawn: everything drawPatient reads from the stream,
 * before any parameter acts on it (VARIATE_* slots, then the per-drug e[], W[] and A[] = Exponential(1),
 * then V when sTauOff > 0 and X[] = Exponential(1) when some escapeRate > 0). A patient is these variates
 * and the scenario's parameters: trial-mode and prediction blocks, simulated many times on the same
 * patients (calibration, predict), draw them once (engine/patientVariates.ts).
 */
export const VARIATE_BIN = 0;
export const VARIATE_SALT = 1;
export const VARIATE_DURATION = 2;
export const VARIATE_MINOXIDIL = 3;
export const VARIATE_WORSENS = 4;
export const VARIATE_RATE = 5;
const VARIATE_PER_DRUG = 6;

/** Variates a patient of `c` reads from the stream: its draw shape (drug count, version-2 mechanisms on). */
export function variateStride(c: Pick<CompiledScenario, 'drugCount' | 'offsetOn' | 'escapeOn'>): number {
  return VARIATE_PER_DRUG + 3 * c.drugCount + (c.offsetOn ? 1 : 0) + (c.escapeOn ? c.drugCount : 0);
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
  // Arguments are evaluated left to right: the stream order of drawVariates. Drawn and applied in one pass
  // (no buffer between); the formulas are the helpers covariatesOf and patientFromVariates use too.
  setCovariates(c, p, rng.uniform(), rng.uniform(), rng.normal(), rng.uniform(), rng.uniform(), rng.uniform());
  const n = c.drugCount;
  const e = p.e;
  for (let d = 0; d < n; d++) e[d] = rng.normal();
  fillPotential(c, p, Math.log(p.durYears));
  const kIsTwo = c.kIsTwo === true;
  for (let d = 0; d < n; d++) {
    const w = rng.normal();
    p.invTau[d] = invTauOf(c, d, w);
    if (!kIsTwo) p.invTauK[d] = invTauPowerK(c, d, tauSpreadPowerKOf(c, w));
  }
  // Exponential(rate) = Exponential(1) / rate: one draw per drug even when the rate is 0.
  for (let d = 0; d < n; d++) p.aeMonths[d] = rng.exponential(1) / c.aeRate[d];
  p.invTauOff = c.offsetOn ? invTauOffOf(c, rng.normal()) : c.invTauOff;
  // X_d = Exponential(1) / rate, as rng.exponential(1) (1 - u > 0) written out: V8 did not inline that call here.
  if (c.escapeOn) for (let d = 0; d < n; d++) p.escapeMonths[d] = -Math.log1p(-rng.uniform()) / c.escapeRate[d];
}

/** The stream part of drawPatient: one patient's variates into v from `at` (variateStride(c) of them). */
export function drawVariates(rng: Stream, c: CompiledScenario, v: Float64Array, at: number): void {
  v[at + VARIATE_BIN] = rng.uniform();
  v[at + VARIATE_SALT] = rng.uniform();
  v[at + VARIATE_DURATION] = rng.normal();
  v[at + VARIATE_MINOXIDIL] = rng.uniform();
  v[at + VARIATE_WORSENS] = rng.uniform();
  v[at + VARIATE_RATE] = rng.uniform();
  const n = c.drugCount;
  let k = at + VARIATE_PER_DRUG;
  for (let d = 0; d < n; d++) v[k++] = rng.normal(); // e[]
  for (let d = 0; d < n; d++) v[k++] = rng.normal(); // W[]
  for (let d = 0; d < n; d++) v[k++] = rng.exponential(1); // A[]
  if (c.offsetOn) v[k++] = rng.normal(); // V
  if (c.escapeOn) for (let d = 0; d < n; d++) v[k++] = -Math.log1p(-rng.uniform()); // X[]
}

/**
 * The parameter part of drawPatient: the patient of the variates v[at...] and their kept covariates
 * (covariatesOf's values for these variates under c, from `co`) under c's parameters, the same numbers.
 * The covariates and the spreads exp(-sTau W_d), exp(-sTauOff V) are read rather than computed again: they
 * depend on the population and the two spreads alone, which a calibration's drug steps do not change, and
 * their exp, log and log1p were a third of a calibration worker's time.
 */
export function patientFromVariates(
  c: CompiledScenario, v: Float64Array, at: number, p: Patient, covariates: Float64Array, co: number,
): void {
  p.salt0 = covariates[co + COVARIATE_SALT0];
  p.durYears = covariates[co + COVARIATE_DURATION];
  p.minoxidil = covariates[co + COVARIATE_MINOXIDIL];
  p.omega = covariates[co + COVARIATE_OMEGA];
  const n = c.drugCount;
  const e = p.e;
  let k = at + VARIATE_PER_DRUG;
  for (let d = 0; d < n; d++) e[d] = v[k++];
  fillPotential(c, p, covariates[co + COVARIATE_LOG_DURATION]);
  for (let d = 0; d < n; d++) {
    p.invTau[d] = covariates[co + COVARIATE_TAU_SPREAD + d] / c.tau[d];
    p.invTauK[d] = invTauPowerK(c, d, covariates[co + COVARIATE_TAU_SPREAD + n + d]);
  }
  k += n; // W[], read through their spreads
  for (let d = 0; d < n; d++) p.aeMonths[d] = v[k++] / c.aeRate[d];
  if (c.offsetOn) {
    p.invTauOff = c.invTauOff * covariates[co + COVARIATE_OFFSET_SPREAD];
    k++; // V, read through its spread
  } else {
    p.invTauOff = c.invTauOff;
  }
  if (c.escapeOn) for (let d = 0; d < n; d++) p.escapeMonths[d] = v[k++] / c.escapeRate[d];
}

/**
 * What covariatesOf keeps of a patient, covariateStride(c) numbers: salt0, durYears, minoxidil, omega,
 * ln durYears, exp(-sTauOff V) (when the offset is patient-specific, else unused), exp(-sTau W_d) per drug and
 * exp(-k sTau W_d) per drug (0 for k = 2), functions of the variates, the population, k and the two spreads sTau,
 * sTauOff alone (covariatesKey).
 */
export const COVARIATE_SALT0 = 0;
export const COVARIATE_DURATION = 1;
export const COVARIATE_MINOXIDIL = 2;
export const COVARIATE_OMEGA = 3;
export const COVARIATE_LOG_DURATION = 4;
export const COVARIATE_OFFSET_SPREAD = 5;
const COVARIATE_TAU_SPREAD = 6;

export function covariateStride(c: Pick<CompiledScenario, 'drugCount'>): number {
  return COVARIATE_TAU_SPREAD + 2 * c.drugCount;
}

/** The kept values of the variates v[at...] under c into out[o...] (`scratch`: any patient, overwritten). */
export function covariatesOf(c: CompiledScenario, v: Float64Array, at: number, out: Float64Array, o: number, scratch: Patient): void {
  setCovariates(c, scratch, v[at + VARIATE_BIN], v[at + VARIATE_SALT], v[at + VARIATE_DURATION],
    v[at + VARIATE_MINOXIDIL], v[at + VARIATE_WORSENS], v[at + VARIATE_RATE]);
  out[o + COVARIATE_SALT0] = scratch.salt0;
  out[o + COVARIATE_DURATION] = scratch.durYears;
  out[o + COVARIATE_MINOXIDIL] = scratch.minoxidil;
  out[o + COVARIATE_OMEGA] = scratch.omega;
  out[o + COVARIATE_LOG_DURATION] = Math.log(scratch.durYears);
  const n = c.drugCount;
  const w = at + VARIATE_PER_DRUG + n; // W[], after e[]
  out[o + COVARIATE_OFFSET_SPREAD] = c.offsetOn ? offsetSpreadOf(c, v[at + VARIATE_PER_DRUG + 3 * n]) : 1;
  for (let d = 0; d < n; d++) out[o + COVARIATE_TAU_SPREAD + d] = tauSpreadOf(c, v[w + d]);
  const kIsTwo = c.kIsTwo === true;
  for (let d = 0; d < n; d++) out[o + COVARIATE_TAU_SPREAD + n + d] = kIsTwo ? 0 : tauSpreadPowerKOf(c, v[w + d]);
}

/** Everything of c that covariatesOf reads besides the variates: patients of equal keys have equal kept values. */
export function covariatesKey(c: CompiledScenario): string {
  return `${c.saltBinCum.join(',')}|${c.saltBinMin.join(',')}|${c.saltBinWidth.join(',')}|${c.durLogMedian}|${c.durSdlog}`
    + `|${c.durMin}|${c.durMax}|${c.minoxidilShare}|${c.worseningShare}|${c.worseningMean}|${c.sTau}|${c.sTauOff}|${c.k}`;
}

/** salt0 (bin, then uniform within it), the duration (log-normal, clamped), minoxidil and the worsening rate. */
function setCovariates(
  c: CompiledScenario, p: Patient, uBin: number, uSalt: number, zDuration: number, uMinoxidil: number, uWorsens: number, uRate: number,
): void {
  let bin = 0;
  while (uBin >= c.saltBinCum[bin]) bin++;
  p.salt0 = c.saltBinMin[bin] + uSalt * c.saltBinWidth[bin];
  const dur = Math.exp(c.durLogMedian + c.durSdlog * zDuration);
  p.durYears = dur < c.durMin ? c.durMin : dur > c.durMax ? c.durMax : dur;
  p.minoxidil = uMinoxidil < c.minoxidilShare ? 1 : 0;
  // The rate's uniform is read whether or not the patient worsens; its log only when it is used.
  p.omega = uWorsens < c.worseningShare ? -Math.log1p(-uRate) * c.worseningMean : 0;
}

/** 1 / tau for drug d, tau = tau_d exp(sTau W). */
function invTauOf(c: CompiledScenario, d: number, w: number): number {
  return tauSpreadOf(c, w) / c.tau[d];
}

/** exp(-sTau W): 1 / tau = this / tau_d. */
function tauSpreadOf(c: CompiledScenario, w: number): number {
  return Math.exp(-c.sTau * w);
}

/** exp(-k sTau W): (1 / tau)^k = this tau_d^-k (invTauPowerK). */
function tauSpreadPowerKOf(c: CompiledScenario, w: number): number {
  return Math.exp(-c.kSTau * w);
}

/**
 * (1 / tau)^k for drug d, tau = tau_d exp(sTau W): exp(-k sTau W) tau_d^-k, the spread's factor `spreadK` =
 * exp(-k sTau W) (kept with a block's covariates) times the run's c.tauPowerNegK[d] = exp(-k ln tau_d).
 */
function invTauPowerK(c: CompiledScenario, d: number, spreadK: number): number {
  return spreadK * c.tauPowerNegK[d];
}

/**
 * Drug d's 1 / tau of a patient built by hand (tests, a patient not drawn from a stream), with its (1 / tau)^k
 * as exp(k ln(1 / tau)).
 */
export function setInvTau(c: Pick<CompiledScenario, 'k'>, p: Patient, d: number, invTau: number): void {
  p.invTau[d] = invTau;
  p.invTauK[d] = Math.exp(c.k * Math.log(invTau));
}

/** 1 / tauOff_i, tauOff_i = tauOff exp(sTauOff V). */
function invTauOffOf(c: CompiledScenario, v: number): number {
  return c.invTauOff * offsetSpreadOf(c, v);
}

/** exp(-sTauOff V): 1 / tauOff_i = this / tauOff. */
function offsetSpreadOf(c: CompiledScenario, v: number): number {
  return Math.exp(-c.sTauOff * v);
}

/** G_d = Phi(L_d) for every drug from the patient's covariates (logDuration = ln durYears) and its normals e (Z = C e). */
function fillPotential(c: CompiledScenario, p: Patient, logDuration: number): void {
  const n = c.drugCount;
  const e = p.e;
  // Covariate part of L, shared by all drugs.
  const base = c.betaDur * (logDuration - c.logRefDur)
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
  fillPotential(c, p, Math.log(durYears));
}
