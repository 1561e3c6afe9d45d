// Patients (MODEL.md "A patient"): attributes drawn once, before and independently of any policy.
import type { CompiledScenario } from './compile.js';
import { phiTabled } from './normal.js';
import type { Stream } from '../rng/streams.js';
import { exponentialOfWord, lognormalOfWord, normalOfWord, uniformOfWord } from '../rng/variates.js';

/**
 * Words of the block's stream per patient: a fixed slot per variate (MODEL.md "A patient", and version 2's V
 * and X_d), whatever the parameters and whether or not a variate is used. Patient i of a block reads words
 * i * patientWordCount .. (i + 1) * patientWordCount - 1, so every variate is a function of (seed, block,
 * patient, slot): a counter-based layout. That is what lets the engine turn only the words a patient uses
 * into variates (the per-drug ones when the patient reaches a line on that drug), with common random numbers
 * across policies, across parameter values and across switching a version-2 mechanism on or off.
 */
export const SLOT_BIN = 0;
export const SLOT_SALT = 1;
export const SLOT_DURATION = 2;
export const SLOT_MINOXIDIL = 3;
export const SLOT_WORSENS = 4;
export const SLOT_WORSENING_RATE = 5;
export const SLOT_OFFSET = 6;
/** Per drug d, from SLOT_DRUG0 + SLOT_PER_DRUG * d: e_d, W_d, A_d, X_d. */
export const SLOT_DRUG0 = 7;
export const SLOT_PER_DRUG = 4;

export function patientWordCount(drugCount: number): number {
  return SLOT_DRUG0 + SLOT_PER_DRUG * drugCount;
}

/** One patient's attributes and derived per-drug constants; allocated once per block and refilled. */
export class Patient {
  salt0 = 0;
  /** ln durYears (clamped to [min, max] in the log scale, where the exact clamp value is kept too). */
  logDur = 0;
  /** durYears where it is a clamp value (or was set exactly), else NaN: durYears is exp(logDur). */
  private durExact = NaN;
  minoxidil = 0;
  /** Natural-course worsening, SALT points a month. */
  omega = 0;
  /** Covariate part of L, shared by all drugs: betaDur ln(dur / ref) + betaMinoxidil m + betaVerySevere [salt0 >= 95]. */
  base = 0;
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
   * drug"); Infinity when the scenario has no escape.
   */
  readonly escapeMonths: Float64Array;
  /** Per drug scratch: independent normals e (Z = C e). */
  readonly e: Float64Array;
  /** The patient's words of the stream, one per slot (patientWordCount). */
  readonly words: Int32Array;
  /**
   * Per drug: 1 once G, 1 / tau, A and X of the drug are filled in (readyDrug). A patient built by hand
   * (tests) has every drug ready; drawPatientLazy clears them.
   */
  readonly ready: Uint8Array;
  /** Per drug: 1 once e_d is computed from its word. */
  readonly eReady: Uint8Array;

  constructor(drugCount: number) {
    this.potential = new Float64Array(drugCount);
    this.invTau = new Float64Array(drugCount);
    this.aeMonths = new Float64Array(drugCount);
    this.escapeMonths = new Float64Array(drugCount).fill(Infinity);
    this.e = new Float64Array(drugCount);
    this.words = new Int32Array(patientWordCount(drugCount));
    this.ready = new Uint8Array(drugCount).fill(1);
    this.eReady = new Uint8Array(drugCount).fill(1);
  }

  /** Episode duration, years. */
  get durYears(): number {
    return this.durExact === this.durExact ? this.durExact : Math.exp(this.logDur);
  }

  set durYears(years: number) {
    this.durExact = years;
    this.logDur = Math.log(years);
  }

  /** Set ln durYears, with the exact duration where it is known (a clamp), else NaN. */
  setLogDur(logDur: number, exact: number): void {
    this.logDur = logDur;
    this.durExact = exact;
  }
}

/**
 * Draw one patient in place, every attribute and every drug's constants (for trial mode, prediction and
 * tests). The policy engine draws lazily instead (drawPatientLazy, then readyDrug per line): same values.
 */
export function drawPatient(rng: Stream, c: CompiledScenario, p: Patient): void {
  drawPatientLazy(rng, c, p);
  for (let d = 0; d < c.drugCount; d++) readyDrug(c, p, d);
}

/**
 * Take the patient's words from the stream (patientWordCount of them, always) and compute the attributes
 * every use needs: salt0, duration, minoxidil, omega, the covariate part of L and tauOff_i. The per-drug
 * constants wait for readyDrug. Variates come from single words by inversion (rng/variates.ts): one word,
 * one variate, so no variate's value depends on how many words another took.
 */
export function drawPatientLazy(rng: Stream, c: CompiledScenario, p: Patient): void {
  const w = p.words;
  rng.fill(w);
  const uBin = uniformOfWord(w[SLOT_BIN]);
  let bin = 0;
  while (uBin >= c.saltBinCum[bin]) bin++;
  const salt0 = c.saltBinMin[bin] + uniformOfWord(w[SLOT_SALT]) * c.saltBinWidth[bin];
  p.salt0 = salt0;

  // ln dur = ln median + sdlog N, clamped in the log scale (the clamp values exactly).
  const logDur = c.durLogMedian + c.durSdlog * normalOfWord(w[SLOT_DURATION]);
  if (logDur <= c.logDurMin) p.setLogDur(c.logDurMin, c.durMin);
  else if (logDur >= c.logDurMax) p.setLogDur(c.logDurMax, c.durMax);
  else p.setLogDur(logDur, NaN);
  const minoxidil = uniformOfWord(w[SLOT_MINOXIDIL]) < c.minoxidilShare ? 1 : 0;
  p.minoxidil = minoxidil;

  p.omega = uniformOfWord(w[SLOT_WORSENS]) < c.worseningShare ? exponentialOfWord(w[SLOT_WORSENING_RATE]) * c.worseningMean : 0;
  p.base = c.betaDur * (p.logDur - c.logRefDur) + c.betaMinoxidil * minoxidil + (salt0 >= 95 ? c.betaVerySevere : 0);
  // tauOff_i = tauOff exp(sTauOff V).
  p.invTauOff = c.offsetOn ? c.invTauOff * Math.exp(-c.sTauOff * normalOfWord(w[SLOT_OFFSET])) : c.invTauOff;
  const ready = p.ready;
  const eReady = p.eReady;
  for (let d = 0; d < ready.length; d++) {
    ready[d] = 0;
    eReady[d] = 0;
  }
}

/**
 * Fill in drug d's constants for a patient drawn by drawPatientLazy, once: G_d = Phi(L_d) from Z_d = (C e)_d
 * (computing only the e_j that row d of C uses), 1 / tau_d, A_d and, when the scenario has escape, X_d.
 */
export function readyDrug(c: CompiledScenario, p: Patient, d: number): void {
  if (p.ready[d] === 1) return;
  p.ready[d] = 1;
  const n = c.drugCount;
  const w = p.words;
  const e = p.e;
  const eReady = p.eReady;
  const row = d * n;
  let z = 0;
  for (let j = 0; j < n; j++) {
    const f = c.factor[row + j];
    if (f === 0) continue;
    if (eReady[j] === 0) {
      e[j] = normalOfWord(w[SLOT_DRUG0 + SLOT_PER_DRUG * j]);
      eReady[j] = 1;
    }
    z += f * e[j];
  }
  const at = SLOT_DRUG0 + SLOT_PER_DRUG * d;
  p.potential[d] = phiTabled(c.mu[d] + p.base + c.sigma * z);
  p.invTau[d] = c.sTau === 0 ? c.invTau[d] : lognormalOfWord(w[at + 1], c.sTau, c.tauFactorTable) * c.invTau[d];
  // Exponential(rate) = Exponential(1) / rate: Infinity for rate 0.
  p.aeMonths[d] = exponentialOfWord(w[at + 2]) / c.aeRate[d];
  if (c.escapeOn) p.escapeMonths[d] = exponentialOfWord(w[at + 3]) / c.escapeRate[d];
}

/** G_d = Phi(L_d) for every drug from the patient's covariates and its normals e (Z = C e); every e ready. */
function fillPotential(c: CompiledScenario, p: Patient): void {
  const n = c.drugCount;
  const e = p.e;
  for (let d = 0; d < n; d++) {
    let z = 0;
    const row = d * n;
    for (let j = 0; j < n; j++) {
      const f = c.factor[row + j];
      if (f !== 0) z += f * e[j];
    }
    p.potential[d] = phiTabled(c.mu[d] + p.base + c.sigma * z);
  }
}

/**
 * A drawn patient (drawPatient: every drug ready) given fixed covariates (prediction for one patient): salt0,
 * durYears and minoxidil replaced and G recomputed from the same latent normals; everything else as drawn.
 */
export function fixCovariates(c: CompiledScenario, p: Patient, salt0: number, durYears: number, minoxidil: number): void {
  p.salt0 = salt0;
  p.durYears = durYears;
  p.minoxidil = minoxidil;
  p.base = c.betaDur * (p.logDur - c.logRefDur) + c.betaMinoxidil * minoxidil + (salt0 >= 95 ? c.betaVerySevere : 0);
  fillPotential(c, p);
}
