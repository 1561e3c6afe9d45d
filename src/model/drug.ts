// A drug acting on a patient (MODEL.md): onset h(u) = 1 - exp(-(u / tau)^k), effect = G h; the residual
// after a stop or an escape (version 2), E(t) = max(G h, residual). Policies and trial mode both use these.
import type { CompiledScenario } from './compile.js';
import type { Patient } from './population.js';

/**
 * Past this value of (u / tau)^k, h = 1 - exp(-(u / tau)^k) is exactly 1 in
 * doubles: exp(-38) is about 3.1e-17, below 2^-54 (half the spacing of
 * doubles just under 1), so the subtraction rounds to 1. Skipping the exp
 * there changes no result.
 */
export const ONSET_SATURATED = 38;

/** h = 1 - exp(-power), power = (u / tau)^k. */
export function onsetFromPower(power: number): number {
  return power >= ONSET_SATURATED ? 1 : 1 - Math.exp(-power);
}

/**
 * A lower bound on h = 1 - exp(-power) without an exp: exp(q) >= 1 + q + q^2/2
 * for q = power / 4 >= 0, so exp(-power) <= (1 + q + q^2/2)^-4. At most 0.01
 * below h (and at most 2e-15 above it, by rounding).
 */
export function onsetLowerBound(power: number): number {
  const q = 0.25 * power;
  const e = 1 / (1 + q + 0.5 * q * q);
  const e2 = e * e;
  return 1 - e2 * e2;
}

/**
 * An upper bound on h = 1 - exp(-power) without an exp: exp(-q) >= (2 - q) / (2 + q)
 * for 0 <= q = power / 4 < 2, so exp(-power) >= ((8 - power) / (8 + power))^4;
 * 1 from power = 8 on (where h > 0.9996). At most 0.01 above h (and at most
 * 2e-15 below it, by rounding).
 */
export function onsetUpperBound(power: number): number {
  if (power >= 8) return 1;
  const e = (8 - power) / (8 + power);
  const e2 = e * e;
  return 1 - e2 * e2;
}

/**
 * (months / tau)^k for 1 / tau = invTau and (1 / tau)^k = invTauK (the patient's, model/population.ts), 0 before
 * the start (where h = 0). k = 2 (kIsTwo, a boolean the caller knows): (months invTau)^2, a multiply, as always.
 * Otherwise months^k invTauK (engine 0.1.2): months^k from the run's table where months is a whole number of
 * visit intervals (monthsPowerK), so that a visit of a line started at a visit needs no exp or log, where
 * exp(k ln(months invTau)) was a third of a sweep's CPU profile on the calibrated catalog (k = 1.31). The value
 * is a function of months and invTauK alone, and never falls as months grows (exp and log are monotone).
 * Not Math.pow: V8's pow took 100-170 ns a call against about 50 for log and exp (engine 0.1.1).
 */
export function onsetPowerAt(c: OnsetTables, months: number, invTau: number, invTauK: number, kIsTwo: boolean): number {
  if (months <= 0) return 0;
  if (kIsTwo) {
    const x = months * invTau;
    return x * x;
  }
  return monthsPowerK(c, months) * invTauK;
}

/** What onsetPowerAt reads of a compiled scenario. */
export type OnsetTables = Pick<CompiledScenario, 'k' | 'monthsPowerK' | 'visitMonths' | 'invVisitMonths'>;

/**
 * months^k: c.monthsPowerK[j] when months is exactly j visit intervals (compile.ts's table holds
 * exp(k ln(j visitMonths)), the very double computed here otherwise), else exp(k ln months).
 */
export function monthsPowerK(c: OnsetTables, months: number): number {
  const j = Math.round(months * c.invVisitMonths);
  const table = c.monthsPowerK;
  return j < table.length && j * c.visitMonths === months ? table[j] : Math.exp(c.k * Math.log(months));
}

/**
 * E(t) = max(G h, R exp(-elapsed / tauOff_i)): the running line's effect (G h, with
 * power = (u / tau)^k on the molecule's onset clock; G = 0 off drug or after an
 * escape) and the residual R of what stopped or escaped `elapsed` months ago.
 * The total effect at a stop, at an escape (MODEL.md v2: the effect is frozen
 * there and decays like a residual) and at a trial's assessment. followPolicy
 * writes the same formula out in its event path (a call there slows V8's code
 * for the whole visit loop); tests/engine/trialVsPolicy.test.ts checks that the
 * two agree patient for patient.
 */
export function totalEffect(potential: number, power: number, resE: number, elapsed: number, invTauOff: number): number {
  const own = potential * onsetFromPower(power);
  if (resE === 0) return own;
  const r = resE * Math.exp(-elapsed * invTauOff);
  return r > own ? r : own;
}

/** Fraction of the regrowth potential reached after `months` on drug `d`. */
export function onsetFraction(c: CompiledScenario, p: Patient, d: number, months: number): number {
  return onsetFromPower(onsetPowerAt(c, months, p.invTau[d], p.invTauK[d], c.kIsTwo));
}

/** effect(t) = G_d h(t - s) for drug d started `months` ago. */
export function drugEffect(c: CompiledScenario, p: Patient, d: number, months: number): number {
  return p.potential[d] * onsetFraction(c, p, d, months);
}

/** SALTnat(t) = min(100, salt0 + omega t). */
export function naturalSalt(p: Patient, t: number): number {
  return naturalSaltOf(p.salt0, p.omega, t);
}

/** SALTnat(t) from the patient's salt0 and omega (for loops that keep them in locals). */
export function naturalSaltOf(salt0: number, omega: number, t: number): number {
  const s = salt0 + omega * t;
  return s < 100 ? s : 100;
}
