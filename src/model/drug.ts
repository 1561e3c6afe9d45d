// A drug acting on a patient (MODEL.md): onset h(u) = 1 - exp(-(u / tau)^k), effect = G h.
import type { CompiledScenario } from './compile.js';
import type { Patient } from './population.js';

/**
 * Past this value of (u / tau)^k, h = 1 - exp(-(u / tau)^k) is exactly 1 in
 * doubles: exp(-38) is about 3.1e-17, below 2^-54 (half the spacing of
 * doubles just under 1), so the subtraction rounds to 1. Skipping the exp
 * there changes no result.
 */
export const ONSET_SATURATED = 38;

/** h for x = u / tau > 0: 1 - exp(-x^k), with the k = 2 case as a multiply. */
export function onsetOf(x: number, k: number, kIsTwo: boolean): number {
  const power = kIsTwo ? x * x : Math.pow(x, k);
  return power >= ONSET_SATURATED ? 1 : 1 - Math.exp(-power);
}

/** Fraction of the regrowth potential reached after `months` on drug `d`. */
export function onsetFraction(c: CompiledScenario, p: Patient, d: number, months: number): number {
  if (months <= 0) return 0;
  return onsetOf(months * p.invTau[d], c.k, c.kIsTwo);
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
