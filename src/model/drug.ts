// A drug acting on a patient (MODEL.md): onset h(u) = 1 - exp(-(u / tau)^k), effect = G h.
import type { CompiledScenario } from './compile.js';
import type { Patient } from './population.js';

/** Fraction of the regrowth potential reached after `months` on drug `d`. */
export function onsetFraction(c: CompiledScenario, p: Patient, d: number, months: number): number {
  if (months <= 0) return 0;
  const x = months * p.invTau[d];
  return 1 - Math.exp(-(c.kIsTwo ? x * x : Math.pow(x, c.k)));
}

/** effect(t) = G_d h(t - s) for drug d started `months` ago. */
export function drugEffect(c: CompiledScenario, p: Patient, d: number, months: number): number {
  return p.potential[d] * onsetFraction(c, p, d, months);
}

/** SALTnat(t) = min(100, salt0 + omega t). */
export function naturalSalt(p: Patient, t: number): number {
  const s = p.salt0 + p.omega * t;
  return s < 100 ? s : 100;
}
