// Trial mode (MODEL.md "Trial mode"): one drug from t = 0, no switching, non-responder imputation.
import type { CompiledScenario } from './compile.js';
import { drugEffect, naturalSalt } from './drug.js';
import type { Patient } from './population.js';

/** A single-arm trial view: one drug, exact assessment times, bands of baseline SALT. */
export interface TrialSpec {
  drug: number;
  /** Assessment times, months (weeks converted with units.ts). */
  months: Float64Array;
  /** Response thresholds on SALT, e.g. [20, 10]. */
  thresholds: Float64Array;
  /** Band b holds salt0 in [bandLo[b], bandHi[b]); the last band includes its upper edge. */
  bandLo: Float64Array;
  bandHi: Float64Array;
}

/** Counts layout: bandCount patients per band, then [time][threshold][band] responders. */
export function trialCountsLength(t: TrialSpec): number {
  return t.bandLo.length * (1 + t.months.length * t.thresholds.length);
}

/** Band index of a baseline SALT, or -1 when it is in none. */
export function bandOf(t: TrialSpec, salt0: number): number {
  const last = t.bandLo.length - 1;
  for (let b = 0; b <= last; b++) {
    if (salt0 >= t.bandLo[b] && (salt0 < t.bandHi[b] || (b === last && salt0 <= t.bandHi[b]))) return b;
  }
  return -1;
}

/** Add one patient's trial outcomes to `counts`: response at t iff SALT(t) <= threshold and no AE stop before t. */
export function addTrialPatient(c: CompiledScenario, t: TrialSpec, p: Patient, counts: Float64Array): void {
  const band = bandOf(t, p.salt0);
  if (band < 0) return;
  const bands = t.bandLo.length;
  const nThr = t.thresholds.length;
  counts[band]++;
  for (let i = 0; i < t.months.length; i++) {
    const m = t.months[i];
    if (p.aeMonths[t.drug] < m) continue;
    const salt = naturalSalt(p, m) * (1 - drugEffect(c, p, t.drug, m));
    for (let j = 0; j < nThr; j++) {
      if (salt <= t.thresholds[j]) counts[bands + (i * nThr + j) * bands + band]++;
    }
  }
}
