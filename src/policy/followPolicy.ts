// A switching policy applied to one patient (MODEL.md "A switching policy", "Visits and response").
import type { CompiledScenario } from '../model/compile.js';
import { drugEffect, naturalSalt } from '../model/drug.js';
import type { Patient } from '../model/population.js';
import { MONTH_EPS } from '../model/units.js';

/**
 * Follow patient `p` under policy `pi` to the horizon and add its outcomes to
 * the aggregates `acc` (see model/layout.ts). Draws nothing: every policy sees
 * the same patient. Returns the index of the first responding visit
 * (0-based), or `visitCount` when the patient never responds.
 */
export function followPolicy(c: CompiledScenario, pi: number, p: Patient, acc: Float64Array): number {
  const lay = c.layout;
  const base = pi * lay.policyStride;
  const seq0 = c.seqStart[pi];
  const lineCount = c.seqLength[pi];
  const failAt = c.failAt[pi] - MONTH_EPS;
  const extendFrac = c.extendFrac[pi];
  const hasExtension = extendFrac === extendFrac; // not NaN
  const extendTo = c.extendTo[pi] - MONTH_EPS;
  const worseFrom = c.worseFrom[pi] - MONTH_EPS;
  const worsePoints = c.worsePoints[pi];
  const stayOnLast = c.stayOnLast[pi] === 1;
  const threshold = c.threshold;
  const gap = c.gapMonths;
  const invTauOff = c.invTauOff;

  // Current line.
  let line = 0;
  let drug = c.seqDrug[seq0];
  let start = 0;
  let onDrug = true;
  let aeEnd = p.aeMonths[drug];
  let startSalt = p.salt0;
  let respondedOnLine = false;
  // Residual effect of the last drug stopped: resE * exp(-(t - resT) / tauOff).
  let resE = 0;
  let resT = 0;
  let residualMatters = false; // false once the current drug's effect has overtaken it
  let nextStart = Infinity;
  let firstVisit = lay.visitCount;
  let nonResponseMonths = 0;
  acc[base + lay.entered]++;

  for (let v = 0; v <= lay.visitCount; v++) {
    // The last pass (v = visitCount) only settles events up to the horizon.
    const t = v < lay.visitCount ? (v + 1) * c.visitMonths : c.horizon;
    // Events between visits, in time order: adverse-event stops, then line starts after the gap.
    for (;;) {
      if (onDrug && aeEnd <= t) {
        const e = aeEnd;
        let total = drugEffect(c, p, drug, e - start);
        if (residualMatters) {
          const r = resE * Math.exp(-(e - resT) * invTauOff);
          if (r > total) total = r;
        }
        resE = total; resT = e; residualMatters = total > 0;
        acc[base + lay.drugMonths + drug] += e - start;
        acc[base + lay.aeStops]++;
        if (!respondedOnLine) nonResponseMonths += e - start;
        onDrug = false;
        nextStart = line + 1 < lineCount ? e + gap : Infinity;
        continue;
      }
      if (!onDrug && nextStart <= t) {
        line++;
        drug = c.seqDrug[seq0 + line];
        start = nextStart;
        nextStart = Infinity;
        onDrug = true;
        aeEnd = start + p.aeMonths[drug];
        const r = residualMatters ? resE * Math.exp(-(start - resT) * invTauOff) : 0;
        startSalt = naturalSalt(p, start) * (1 - r);
        respondedOnLine = false;
        acc[base + lay.entered + line]++;
        continue;
      }
      break;
    }
    if (v === lay.visitCount) break;

    // SALT(t) = SALTnat(t) (1 - E(t)), E = max(effect of current drug, residual).
    let effect = onDrug ? drugEffect(c, p, drug, t - start) : 0;
    if (residualMatters) {
      const r = resE * Math.exp(-(t - resT) * invTauOff);
      if (r > effect) effect = r;
      else if (onDrug) residualMatters = false; // the drug's effect rises, the residual decays
    }
    const salt = naturalSalt(p, t) * (1 - effect);

    if (salt <= threshold) {
      acc[base + lay.point + v]++;
      if (firstVisit === lay.visitCount) firstVisit = v;
      if (!respondedOnLine) {
        respondedOnLine = true;
        acc[base + lay.respondedOn + line]++;
      }
    }
    if (!onDrug || respondedOnLine) continue;

    const months = t - start;
    if (stayOnLast && line === lineCount - 1) continue;
    const extended = hasExtension && months < extendTo
      && startSalt - salt >= extendFrac * startSalt;
    const failed = months >= failAt && !extended;
    const worsened = months >= worseFrom && salt - startSalt >= worsePoints;
    if (failed || worsened) {
      resE = effect; resT = t; residualMatters = effect > 0;
      acc[base + lay.drugMonths + drug] += months;
      nonResponseMonths += months;
      onDrug = false;
      nextStart = line + 1 < lineCount ? t + gap : Infinity;
    }
  }
  if (onDrug) {
    const months = c.horizon - start;
    acc[base + lay.drugMonths + drug] += months;
    if (!respondedOnLine) nonResponseMonths += months;
  }
  acc[base + lay.firstResponse + firstVisit]++;
  acc[base + lay.linesUsed + line + 1]++;
  acc[base + lay.nonResponseMonths] += nonResponseMonths;
  acc[base + lay.nonResponseMonthsSq] += nonResponseMonths * nonResponseMonths;
  return firstVisit;
}
