// followPolicy's line-by-line path: a policy with the failure rule only, in a scenario without escapes
// (MODEL.md "A switching policy", "Visits and response").
import type { CompiledScenario } from '../model/compile.js';
import {
  naturalSaltOf, onsetFromPower, onsetLowerBound, onsetPowerAt, onsetUpperBound,
} from '../model/drug.js';
import type { Patient } from '../model/population.js';
import { MONTH_EPS } from '../model/units.js';
import { CERTAIN_RESPONSE_MARGIN, SALT_MARGIN, residualDecay } from './margins.js';
import { RECORD_DRUG_MONTHS, RECORD_LINES, RECORD_NON_RESPONSE, patientRecordStride } from './record.js';

/**
 * The first visit after visit `v` at which the upper bound on h of model/drug.ts may let the drug's effect bring
 * SALT to the threshold, at most `cap`; for followLines, where it is above the threshold + SALT_MARGIN at `v`
 * (with SALTnat(t_v) = `nat`). The bound is inverted: 1 - ((8 - P) / (8 + P))^4 >= y for P >= 8 (1 - q) / (1 + q),
 * q = (1 - y)^(1/4), P = (u / tau)^k. That estimate is checked, not trusted: at the visit before the one returned,
 * SALTnat(t_v) (1 - G bound) must still exceed threshold + SALT_MARGIN. The bound is computed by monotone
 * floating-point steps and never falls as P grows, and SALTnat never falls, so every visit skipped fails the same
 * test, which proves there is no response there (followPolicy's shortcut). If the check fails, `v + 1`.
 * Integers and doubles only cross as arguments here: V8 inlines it (a call not inlined would box the doubles).
 */
function boundCrossingVisit(
  c: CompiledScenario, v: number, cap: number, nat: number, potential: number, invTau: number, invTauK: number, clock: number,
): number {
  if (v + 1 >= cap) return cap;
  const threshold = c.threshold;
  const y = (1 - threshold / nat) / potential;
  const q = y < 1 ? Math.sqrt(Math.sqrt(1 - y)) : 0;
  const powerStar = (8 * (1 - q)) / (1 + q);
  const crossing = clock + (c.kIsTwo ? Math.sqrt(powerStar) : Math.pow(powerStar, 1 / c.k)) / invTau;
  let u = Math.ceil(crossing * c.invVisitMonths) - 1;
  if (!(u > v + 1)) return v + 1;
  if (u > cap) u = cap;
  const power = onsetPowerAt(c, u * c.visitMonths - clock, invTau, invTauK, c.kIsTwo === true); // at visit u - 1
  return nat * (1 - potential * onsetUpperBound(power)) > threshold + SALT_MARGIN ? u : v + 1;
}

/**
 * Whether policy `pi` needs followPolicy's general visit loop: a SALT rule (extension, early worsening,
 * switchOnLoss) or escapes (a scenario's escape rates, or a patient's escape times). Otherwise followLines gives
 * the same results with fewer steps.
 */
export function needsVisitLoop(c: CompiledScenario, pi: number, p: Patient): boolean {
  const extendFrac = c.extendFrac[pi];
  if (c.escapeOn || extendFrac === extendFrac || c.worseFrom[pi] !== Infinity || c.switchOnLoss[pi] === 1) return true;
  // A patient built by hand may carry escape times in a scenario without escape rates.
  for (let d = 0; d < c.drugCount; d++) if (p.escapeMonths[d] !== Infinity) return true;
  return false;
}

/**
 * followPolicy for a policy with the failure rule only (no SALT rule) in a scenario without escapes: line by
 * line, each line's visits from its first one. Each line's adverse-event visit and failure visit are computed
 * once. While the residual of the lines before cannot bring SALT to the threshold on its own, only the drug's
 * effect decides a response, so a visit where SALTnat (1 - G) exceeds the threshold ends the line's chances (on to
 * its failure visit or its end), and one where the upper bound on h excludes a response jumps over the visits the
 * inverted bound excludes too (boundCrossingVisit); a responder whose SALT stays below the threshold has its later
 * visits filled. Every other visit, and the failure visit, computes SALT(t) = SALTnat(t) (1 - max(G h, residual))
 * as the general loop (followVisits) does, so the results are bit-identical to it: the shortcuts of both only skip
 * work (see followPolicy). Same arguments, outputs and return value as followPolicy.
 */
export function followLines(c: CompiledScenario, pi: number, p: Patient, acc: Float64Array, record?: Float64Array): number {
  const lay = c.layout;
  const recordOn = record !== undefined;
  const recordAt = pi * patientRecordStride(c.drugCount);
  const recordDrugAt = recordAt + RECORD_DRUG_MONTHS;
  if (recordOn) for (let d = 0; d < c.drugCount; d++) record[recordDrugAt + d] = 0;
  const visitCount = lay.visitCount;
  const base = pi * lay.policyStride;
  const pointAt = base + lay.point;
  const drugMonthsAt = base + lay.drugMonths;
  const seq0 = c.seqStart[pi];
  const lineCount = c.seqLength[pi];
  const failAt = c.failAt[pi] - MONTH_EPS;
  const stayOnLast = c.stayOnLast[pi] === 1;
  const threshold = c.threshold;
  // Booleans read from an object are not known to V8 as booleans: each test would be a generic ToBoolean.
  const offsetOn = c.offsetOn === true;
  const invTauOff = offsetOn ? p.invTauOff : c.invTauOff;
  const visitMonths = c.visitMonths;
  const invVisitMonths = c.invVisitMonths;
  const horizon = c.horizon;
  const kIsTwo = c.kIsTwo === true;
  const salt0 = p.salt0;
  const omega = p.omega;
  const flat = omega === 0;

  let firstVisit = visitCount;
  let nonResponseMonths = 0;
  // Residual of the last line stopped, resE exp(-(t - resT) / tauOff), and whether it alone could respond
  // (see followPolicy's residualCanRespond).
  let resE = 0;
  let resT = 0;
  let residualCanRespond = false;
  let line = 0;
  let start = 0;
  let clock = 0;
  let v = 0; // the next visit to evaluate
  for (;;) {
    acc[base + lay.entered + line]++;
    const drug = c.seqDrug[seq0 + line];
    const potential = p.potential[drug];
    const invTau = p.invTau[drug];
    const invTauK = p.invTauK[drug];
    if (c.seqKeepsClock[seq0 + line] === 0) clock = start;
    const aeEnd = start + p.aeMonths[drug];
    const neverFails = stayOnLast && line === lineCount - 1;
    let responded = false;
    let stop = horizon; // the time the line stops: a switch, an adverse event, or the horizon
    let switched = false;
    // The first visit from v on at or after the adverse event (visitCount: none before the last visit), and the
    // failure visit, the first with months on the line >= failAt (past aeVisit: none). Both conditions only
    // become true later (t - start never falls), so `v >= aeVisit` is `aeEnd <= t` and `v >= failVisit` is
    // `t - start >= failAt`. Estimates, then exact steps.
    let aeVisit = visitCount;
    if (aeEnd <= visitCount * visitMonths) {
      aeVisit = Math.ceil(aeEnd * invVisitMonths) - 1;
      if (!(aeVisit > v)) aeVisit = v; else if (aeVisit > visitCount) aeVisit = visitCount;
      while (aeVisit > v && aeVisit * visitMonths >= aeEnd) aeVisit--;
      while (aeVisit < visitCount && (aeVisit + 1) * visitMonths < aeEnd) aeVisit++;
    }
    let failVisit = aeVisit + 1;
    if (!neverFails) {
      let u = Math.ceil((start + failAt) * invVisitMonths) - 1;
      if (!(u > v)) u = v; else if (u > aeVisit) u = aeVisit;
      while (u > v && u * visitMonths - start >= failAt) u--;
      while (u < aeVisit && !((u + 1) * visitMonths - start >= failAt)) u++;
      if (u < aeVisit) failVisit = u;
    }
    while (v < aeVisit) {
      const t = (v + 1) * visitMonths;
      const fails = !responded && v >= failVisit;
      const nat = naturalSaltOf(salt0, omega, t);
      let effect = 0; // E(t), computed where the line switches
      let ownEffect = true; // E(t) = G h(t), not the residual
      let salt: number;
      if (!residualCanRespond && !fails) {
        // Only a response can happen at t, and only from the drug's own effect: SALT(t) <= threshold exactly
        // when SALTnat(t) (1 - G h) <= threshold (the residual alone exceeds it). Bounds on h settle most visits.
        const nextDecision = responded || failVisit > aeVisit ? aeVisit : failVisit;
        if (nat * (1 - potential) > threshold) {
          v = nextDecision; // none at t nor at any later visit of the line (G h <= G, SALTnat does not fall)
          continue;
        }
        const power = onsetPowerAt(c, t - clock, invTau, invTauK, kIsTwo);
        if (nat * (1 - potential * onsetUpperBound(power)) > threshold + SALT_MARGIN) {
          v = boundCrossingVisit(c, v, nextDecision, nat, potential, invTau, invTauK, clock);
          continue;
        }
        const saltHigh = nat * (1 - potential * onsetLowerBound(power));
        salt = saltHigh <= threshold - SALT_MARGIN ? saltHigh : nat * (1 - potential * onsetFromPower(power));
      } else {
        effect = potential * onsetFromPower(onsetPowerAt(c, t - clock, invTau, invTauK, kIsTwo));
        if (resE > 0) {
          const r = resE * (offsetOn ? Math.exp(-(t - resT) * invTauOff) : residualDecay(c, t - resT));
          if (r > effect) {
            effect = r;
            ownEffect = false;
          }
        }
        salt = nat * (1 - effect);
      }
      if (salt <= threshold) {
        acc[pointAt + v]++;
        if (firstVisit === visitCount) firstVisit = v;
        if (!responded) {
          responded = true;
          acc[base + lay.respondedOn + line]++;
        }
        v++;
        if (ownEffect && (flat || nat === 100) && salt <= threshold - CERTAIN_RESPONSE_MARGIN) {
          // A point response at every later visit of the line (see followPolicy).
          while (v < aeVisit) acc[pointAt + v++]++;
        }
        continue;
      }
      v++;
      if (fails) {
        stop = t;
        resE = effect; resT = t;
        residualCanRespond = false; // SALT exceeded the threshold at t with E = the residual
        switched = true;
        break;
      }
    }
    if (!switched) {
      const t = v < visitCount ? (v + 1) * visitMonths : horizon;
      if (aeEnd <= t) {
        // Adverse-event stop: the effect there is the total effect E (followPolicy's event path).
        const e = aeEnd;
        let total = potential * onsetFromPower(onsetPowerAt(c, e - clock, invTau, invTauK, kIsTwo));
        if (resE > 0) {
          const r = resE * Math.exp(-(e - resT) * invTauOff);
          if (r > total) total = r;
        }
        resE = total; resT = e;
        residualCanRespond = !(naturalSaltOf(salt0, omega, e) * (1 - total) > threshold);
        stop = e;
        acc[base + lay.aeStops]++;
      }
    }
    const months = stop - start;
    acc[drugMonthsAt + drug] += months;
    if (recordOn) record![recordDrugAt + drug] += months;
    if (!responded) nonResponseMonths += months;
    if (stop === horizon && !switched) break; // on drug at the horizon (an adverse event exactly there also ends here)
    // Off drug from `stop` until the next line starts (never, past the horizon or after the last line).
    const nextStart = line + 1 < lineCount ? stop + c.gapMonths : Infinity;
    const offUntil = nextStart < horizon ? nextStart : Infinity;
    while (v < visitCount && (v + 1) * visitMonths < offUntil) {
      const t = (v + 1) * visitMonths;
      const nat = naturalSaltOf(salt0, omega, t);
      if (!residualCanRespond || (resE > 0 ? nat * (1 - resE) > threshold : nat > threshold)) {
        if (offUntil === Infinity) break; // nothing more can happen (followPolicy's off-drug shortcut)
        v++;
        continue;
      }
      const r = resE > 0 ? resE * (offsetOn ? Math.exp(-(t - resT) * invTauOff) : residualDecay(c, t - resT)) : 0;
      if (nat * (1 - (r > 0 ? r : 0)) <= threshold) {
        acc[pointAt + v]++;
        if (firstVisit === visitCount) firstVisit = v;
        if (!responded) {
          responded = true;
          acc[base + lay.respondedOn + line]++;
        }
      }
      v++;
    }
    if (offUntil === Infinity) break;
    line++;
    start = nextStart;
  }
  if (recordOn) {
    record![recordAt + RECORD_NON_RESPONSE] = nonResponseMonths;
    record![recordAt + RECORD_LINES] = line + 1;
  }
  acc[base + lay.firstResponse + firstVisit]++;
  acc[base + lay.linesUsed + line + 1]++;
  acc[base + lay.nonResponseMonths] += nonResponseMonths;
  acc[base + lay.nonResponseMonthsSq] += nonResponseMonths * nonResponseMonths;
  return firstVisit;
}

