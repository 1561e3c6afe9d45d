// A switching policy applied to one patient (MODEL.md "A switching policy", "Visits and response"; version 2:
// escape, patient-specific offset, dose changes, switchOnLoss).
import type { CompiledScenario } from '../model/compile.js';
import {
  naturalSaltOf, onsetFromPower, onsetLowerBound, onsetPowerAt, onsetUpperBound,
} from '../model/drug.js';
import type { Patient } from '../model/population.js';
import { MONTH_EPS } from '../model/units.js';
import { followLines, needsVisitLoop } from './followLines.js';
import { CERTAIN_RESPONSE_MARGIN, EFFECT_MARGIN, SALT_MARGIN, residualDecay } from './margins.js';
import { RECORD_DRUG_MONTHS, RECORD_LINES, RECORD_NON_RESPONSE, patientRecordStride } from './record.js';

export { RECORD_DRUG_MONTHS, RECORD_LINES, RECORD_NON_RESPONSE, patientRecordStride } from './record.js';

/**
 * The line's state that waitingLineVisit reads (SALTnat at the visit, G, 1 / tau, onset clock, start, next event),
 * handed over in this scratch array rather than as arguments: followPolicy's loop variables passed to a call that
 * V8 does not inline are kept boxed (a heap number allocated at every visit), a store into a Float64Array is not.
 */
const waitingLine = new Float64Array(7);
const WAIT_NAT = 0;
const WAIT_POTENTIAL = 1;
const WAIT_INV_TAU = 2;
const WAIT_CLOCK = 3;
const WAIT_START = 4;
const WAIT_LINE_EVENT = 5;
const WAIT_INV_TAU_K = 6;

/**
 * The first visit (0-based; `c.visitCount` for the last pass, which only settles events) from visit `v` on at which
 * a line that waits for its first response can change anything, so that followPolicy need not step through the
 * visits before it: the earliest of the failure visit (months on the line >= failAt, unless `neverFails`), the
 * first visit at or after the line's next event (`lineEvent`), and the first visit at which the drug's effect
 * G h can bring SALT to the threshold. Returns `v` when no visit can be skipped, or when the bounds do not prove it.
 *
 * The last one inverts the onset curve: with SALTnat(t_v) = `nat`, G h >= hStar = (1 - threshold / nat) / G is
 * needed, so (u / tau)^k >= -log(1 - hStar). SALTnat does not fall (omega >= 0), so no visit before that crossing
 * responds; this is checked, not trusted: SALTnat(t_v) (1 - G h) at the visit before the target must exceed the
 * threshold by SALT_MARGIN (computed SALT is within 1e-12 of the exact value for its (u / tau)^k, which never
 * falls with t), and then every earlier visit of the line exceeds it too. A residual from an earlier line does not
 * enter: the caller only asks when the residual alone cannot bring SALT to the threshold (see followPolicy).
 * With nat (1 - G) > threshold no visit of the line can respond (the bound of followPolicy's comment), and
 * nothing is checked.
 */
function waitingLineVisit(c: CompiledScenario, v: number, failAt: number, neverFails: boolean): number {
  const nat = waitingLine[WAIT_NAT];
  const potential = waitingLine[WAIT_POTENTIAL];
  const invTau = waitingLine[WAIT_INV_TAU];
  const clock = waitingLine[WAIT_CLOCK];
  const start = waitingLine[WAIT_START];
  const lineEvent = waitingLine[WAIT_LINE_EVENT];
  const invTauK = waitingLine[WAIT_INV_TAU_K];
  const visitMonths = c.visitMonths;
  const visitCount = c.visitCount;
  const invVisitMonths = c.invVisitMonths;
  // t of visit u is (u + 1) * visitMonths, written as at followPolicy's loop top; estimates, then exact steps.
  let target = visitCount;
  if (lineEvent <= c.horizon) {
    let u = Math.ceil(lineEvent * invVisitMonths) - 1;
    if (!(u > v)) u = v; else if (u > visitCount) u = visitCount;
    while (u > v && u * visitMonths >= lineEvent) u--;
    while (u < visitCount && (u + 1) * visitMonths < lineEvent) u++;
    target = u;
  }
  if (!neverFails && failAt < Infinity) {
    let u = Math.ceil((start + failAt) * invVisitMonths) - 1;
    if (!(u > v)) u = v; else if (u > target) u = target;
    while (u > v && u * visitMonths - start >= failAt) u--;
    while (u < target && !((u + 1) * visitMonths - start >= failAt)) u++;
    target = u;
  }
  const threshold = c.threshold;
  if (target === v || nat * (1 - potential) > threshold) return target;
  const hStar = (1 - threshold / nat) / potential;
  if (!(hStar > 0 && hStar < 1)) return v;
  const powerStar = -Math.log1p(-hStar);
  const crossing = clock + (c.kIsTwo ? Math.sqrt(powerStar) : Math.pow(powerStar, 1 / c.k)) / invTau;
  const u = Math.ceil(crossing * invVisitMonths) - 1;
  if (u < target) target = u;
  if (!(target > v)) return v;
  // No response at visit target - 1, with a margin: then none before it either.
  const power = onsetPowerAt(c, target * visitMonths - clock, invTau, invTauK, c.kIsTwo === true);
  if (nat * (1 - potential * onsetUpperBound(power)) > threshold + SALT_MARGIN) return target;
  return nat * (1 - potential * onsetFromPower(power)) > threshold + SALT_MARGIN ? target : v;
}

/**
 * Follow patient `p` under policy `pi` to the horizon and add its outcomes to
 * the aggregates `acc` (see model/layout.ts). Draws nothing: every policy sees
 * the same patient. Returns the index of the first responding visit
 * (0-based), or `visitCount` when the patient never responds.
 *
 * SALT(t) is not computed at visits where it cannot change anything. Those
 * shortcuts rest on bounds that hold exactly in floating point, because
 * rounding is monotone: the effect of a drug is G h <= G (h <= 1), a residual
 * is at most the effect it started from, and SALTnat(t) >= 0 never decreases
 * with t. So SALTnat(t) (1 - G) > threshold means no response at t on that
 * drug, whatever h is; the results are bit-identical to computing SALT(t).
 * Conversely, a responder with SALT(t) <= threshold - CERTAIN_RESPONSE_MARGIN
 * and SALTnat constant from t on (omega = 0, or capped at 100) stays a point
 * responder at every later visit of the line: h rises, so the exact SALT
 * falls, and the computed one is within the margin of it.
 *
 * Elsewhere, h = 1 - exp(-(u / tau)^k) is first bracketed without an exp
 * (onsetLowerBound, onsetUpperBound), and the exp is computed only when the
 * bracket, widened by the rounding margins above, does not settle what the
 * visit needs: whether SALT(t) <= threshold, whether the residual still
 * exceeds the drug's effect, and the effect itself when the line stops at t.
 *
 * Visits are skipped, not only their SALT: a line waiting for its first
 * response, whose residual cannot reach the threshold on its own (it exceeded
 * it where the line before switched, or where an event stopped it), goes
 * straight to the first visit at which something can happen (waitingLineVisit:
 * its failure visit, its next event, or the onset curve's crossing, inverted
 * and checked). Two loops share this: followLines, line by line, for a policy
 * with the failure rule only and no escapes (the common case, the canonical
 * benchmark's), and followVisits, visit by visit, for every rule; both give
 * the results of computing SALT(t) at every visit, bit for bit.
 *
 * With `record` (runBlock's per-patient scratch, reused: no allocation), the
 * patient's own outcomes under this policy are also written there, from
 * `pi * patientRecordStride(drugCount)`: months on non-responding lines, lines
 * entered, then months on each catalog drug (for paired secondary differences
 * and costs).
 *
 * Written for V8: one call site of the onset's exp on the visit path, and
 * effects as `G * onset...` and `resE * residualDecay(...)` products.
 * V8 does not inline every call site of a helper in a function this size,
 * and a number returned by a call that is not inlined, once it is stored in
 * a variable that the visit loop also writes, is boxed (a heap allocation)
 * on every write: measured at about 450 bytes per patient and policy.
 */
export function followPolicy(
  c: CompiledScenario, pi: number, p: Patient, acc: Float64Array, record?: Float64Array,
): number {
  // A small function V8 inlines into its callers: the general loop's large frame is set up only when it runs.
  return needsVisitLoop(c, pi, p) ? followVisits(c, pi, p, acc, record) : followLines(c, pi, p, acc, record);
}

/** followPolicy's general loop, visit by visit: every rule (see followPolicy). */
function followVisits(
  c: CompiledScenario, pi: number, p: Patient, acc: Float64Array, record?: Float64Array,
): number {
  const lay = c.layout;
  const recordOn = record !== undefined;
  const recordAt = pi * patientRecordStride(c.drugCount);
  const recordDrugAt = recordAt + RECORD_DRUG_MONTHS;
  // Only the drug months accumulate; the other two entries are written at the end. (A loop, not
  // fill(): TypedArray fill is a call into the runtime, about 1% of the whole run in a profile.)
  if (recordOn) for (let d = 0; d < c.drugCount; d++) record[recordDrugAt + d] = 0;
  const visitCount = lay.visitCount;
  const base = pi * lay.policyStride;
  const enteredAt = base + lay.entered;
  const pointAt = base + lay.point;
  const respondedAt = base + lay.respondedOn;
  const drugMonthsAt = base + lay.drugMonths;
  const seq0 = c.seqStart[pi];
  const lineCount = c.seqLength[pi];
  const failAt = c.failAt[pi] - MONTH_EPS;
  const extendFrac = c.extendFrac[pi];
  const hasExtension = extendFrac === extendFrac; // not NaN
  const extendTo = c.extendTo[pi] - MONTH_EPS;
  const worseFrom = c.worseFrom[pi] - MONTH_EPS;
  const worsePoints = c.worsePoints[pi];
  const switchOnLoss = c.switchOnLoss[pi] === 1;
  const lossAbove = c.threshold + c.lossMargin[pi];
  // Without these rules a policy reads SALT(t) only to detect a response.
  const usesSaltRules = hasExtension || worseFrom !== Infinity || switchOnLoss;
  const stayOnLast = c.stayOnLast[pi] === 1;
  const threshold = c.threshold;
  const gap = c.gapMonths;
  // Patient-specific tauOff (MODEL.md v2), else the run's (a hand-built patient may leave p.invTauOff unset). The
  // residual's exp is then written out where residualDecay would be called: once the version-2 paths are hot, V8
  // no longer inlined residualDecay, and the call boxed the visit loop's doubles (about 2 kB a patient).
  const offsetOn = c.offsetOn;
  const invTauOff = offsetOn ? p.invTauOff : c.invTauOff;
  const visitMonths = c.visitMonths;
  const horizon = c.horizon;
  const kIsTwo = c.kIsTwo;
  const salt0 = p.salt0;
  const omega = p.omega;

  // Current line, its drug's G and 1 / tau.
  let line = 0;
  let drug = c.seqDrug[seq0];
  let potential = p.potential[drug];
  let invTau = p.invTau[drug];
  let invTauK = p.invTauK[drug];
  let start = 0;
  // Onset clock of the line's molecule: its start, or an earlier line's across dose changes (MODEL.md v2).
  let clock = 0;
  let onDrug = true;
  let aeEnd = p.aeMonths[drug];
  // Escape (loss of response on drug, MODEL.md v2): Infinity when the scenario has none.
  let escapeAt = p.escapeMonths[drug];
  // The line's first event: its adverse-event stop or its escape (one comparison a visit for both).
  let lineEvent = aeEnd < escapeAt ? aeEnd : escapeAt;
  let startSalt = salt0;
  let respondedOnLine = false;
  // Residual effect of the last drug stopped: resE * exp(-(t - resT) / tauOff).
  let resE = 0;
  let resT = 0;
  let residualMatters = false; // false once the current drug's effect has overtaken it
  // Whether the residual alone could bring SALT to the threshold at a later visit. It cannot after a switch (SALT
  // exceeded the threshold there with E = the residual; SALTnat rises and the residual decays), nor when it
  // starts at an event with SALTnat (1 - E) above the threshold.
  let residualCanRespond = false;
  let waitedTo = -1; // the visit waitingLineVisit last returned: evaluated, not asked again
  let nextStart = Infinity;
  let firstVisit = visitCount;
  let nonResponseMonths = 0;
  acc[enteredAt]++;

  for (let v = 0; v <= visitCount; v++) {
    // The last pass (v = visitCount) only settles events up to the horizon.
    const t = v < visitCount ? (v + 1) * visitMonths : horizon;
    // Events between visits, in time order: escapes and adverse-event stops, then line starts after the gap.
    for (;;) {
      if (onDrug && lineEvent <= t) {
        // The total effect at the event, E = max(G h, residual) (model/drug.ts totalEffect, written out: a
        // call here, taking the loop's doubles, made V8 box them at every visit, about 1.2 kB a patient).
        const e = lineEvent;
        const escapes = escapeAt < aeEnd;
        let total = potential * onsetFromPower(onsetPowerAt(c, e - clock, invTau, invTauK, kIsTwo));
        if (residualMatters) {
          const r = resE * Math.exp(-(e - resT) * invTauOff);
          if (r > total) total = r;
        }
        resE = total; resT = e; residualMatters = total > 0;
        residualCanRespond = !(naturalSaltOf(salt0, omega, e) * (1 - total) > threshold);
        waitedTo = -1;
        if (escapes) {
          // Loss of response on drug (MODEL.md v2): the effect frozen at the escape decays from there like a
          // residual (G = 0 from now on); the patient stays on the drug until the policy ends the line.
          potential = 0;
          escapeAt = Infinity;
          lineEvent = aeEnd;
          continue;
        }
        acc[drugMonthsAt + drug] += e - start;
        if (recordOn) record![recordDrugAt + drug] += e - start;
        acc[base + lay.aeStops]++;
        if (!respondedOnLine) nonResponseMonths += e - start;
        onDrug = false;
        nextStart = line + 1 < lineCount ? e + gap : Infinity;
        continue;
      }
      // A line due to start at or after the horizon is never entered.
      if (!onDrug && nextStart <= t && nextStart < horizon) {
        line++;
        drug = c.seqDrug[seq0 + line];
        potential = p.potential[drug];
        invTau = p.invTau[drug];
        invTauK = p.invTauK[drug];
        start = nextStart;
        if (c.seqKeepsClock[seq0 + line] === 0) clock = start;
        nextStart = Infinity;
        onDrug = true;
        aeEnd = start + p.aeMonths[drug];
        escapeAt = start + p.escapeMonths[drug];
        lineEvent = aeEnd < escapeAt ? aeEnd : escapeAt;
        if (usesSaltRules) {
          // SALT(s_j) = SALTnat(s_j) (1 - E(s_j)): the residual, and after a dose change the new dose's effect too.
          let e = potential * onsetFromPower(onsetPowerAt(c, start - clock, invTau, invTauK, kIsTwo));
          const r = residualMatters ? resE * Math.exp(-(start - resT) * invTauOff) : 0;
          if (r > e) e = r;
          startSalt = naturalSaltOf(salt0, omega, start) * (1 - e);
        }
        respondedOnLine = false;
        waitedTo = -1;
        acc[enteredAt + line]++;
        continue;
      }
      break;
    }
    if (v === visitCount) break;

    // SALT(t) = SALTnat(t) (1 - E(t)), E = max(effect of current drug, residual).
    const nat = naturalSaltOf(salt0, omega, t);
    const months = t - start;
    const onsetMonths = t - clock; // = months but across dose changes
    let effect = 0; // E(t) on drug: the residual if the line stops at t
    let salt: number;
    if (onDrug) {
      if (!respondedOnLine && !usesSaltRules && !residualCanRespond && v !== waitedTo) {
        // Waiting for the line's first response, with only the failure rule: skip to the first visit at which
        // something can happen (waitingLineVisit). The visits skipped would change nothing: no response,
        // no switch, no event.
        waitingLine[WAIT_NAT] = nat;
        waitingLine[WAIT_POTENTIAL] = potential;
        waitingLine[WAIT_INV_TAU] = invTau;
        waitingLine[WAIT_CLOCK] = clock;
        waitingLine[WAIT_START] = start;
        waitingLine[WAIT_LINE_EVENT] = lineEvent;
        waitingLine[WAIT_INV_TAU_K] = invTauK;
        waitedTo = waitingLineVisit(c, v, failAt, stayOnLast && line === lineCount - 1);
        if (waitedTo > v) {
          v = waitedTo - 1;
          continue;
        }
      }
      let r = 0;
      if (residualMatters) r = resE * (offsetOn ? Math.exp(-(t - resT) * invTauOff) : residualDecay(c, t - resT));
      if (residualMatters && r > potential) {
        effect = r; // the drug's effect G h <= G cannot overtake the residual yet
        salt = nat * (1 - effect);
      } else {
        // G h lies in [effectLow, effectHigh] (no exp): where that settles the comparisons made at t,
        // the exp is not needed. The upper bound settles most visits, so the lower one waits.
        const power = onsetPowerAt(c, onsetMonths, invTau, invTauK, kIsTwo);
        const effectHigh = potential * onsetUpperBound(power);
        // Nothing to do at t if the drug alone gives no response and the line does not stop now.
        const idle = !usesSaltRules && nat * (1 - effectHigh) > threshold + SALT_MARGIN
          && (respondedOnLine || !(months >= failAt) || (stayOnLast && line === lineCount - 1));
        if (residualMatters && r > effectHigh + EFFECT_MARGIN) {
          effect = r; // the residual still exceeds the drug's effect
          salt = nat * (1 - effect);
        } else {
          if (!residualMatters && idle) continue;
          const effectLow = potential * onsetLowerBound(power);
          if (residualMatters && r + EFFECT_MARGIN < effectLow) {
            residualMatters = false; // the drug's effect has overtaken the residual
            if (idle) continue;
          }
          const saltHigh = nat * (1 - effectLow);
          if (!residualMatters && !usesSaltRules && saltHigh <= threshold - SALT_MARGIN) {
            salt = saltHigh; // SALT(t) <= saltHigh + 1e-12: a response, the only use of salt below
          } else {
            effect = potential * onsetFromPower(power);
            if (residualMatters) {
              if (r > effect) effect = r;
              else residualMatters = false; // the drug's effect rises, the residual decays
            }
            salt = nat * (1 - effect);
          }
        }
      }
    } else if (residualMatters ? nat * (1 - resE) > threshold : nat > threshold) {
      // Off drug and no response possible at t. With no line to come, none at any later visit either:
      // SALTnat rises and the residual only decays, so nothing more is counted.
      if (nextStart === Infinity) break;
      continue;
    } else {
      // Off drug: E(t) is the residual (the effect of the line stopped last), or 0.
      const r = residualMatters ? resE * (offsetOn ? Math.exp(-(t - resT) * invTauOff) : residualDecay(c, t - resT)) : 0;
      salt = nat * (1 - (r > 0 ? r : 0));
    }

    if (salt <= threshold) {
      acc[pointAt + v]++;
      if (firstVisit === visitCount) firstVisit = v;
      if (!respondedOnLine) {
        respondedOnLine = true;
        acc[respondedAt + line]++;
      }
      if (onDrug && !residualMatters && (omega === 0 || nat === 100)
        && salt <= threshold - CERTAIN_RESPONSE_MARGIN) {
        // A point response at every later visit of the line, which only an adverse event or an escape can end.
        while (v + 1 < visitCount && (v + 2) * visitMonths < lineEvent) acc[pointAt + ++v]++;
        continue;
      }
    }
    if (!onDrug || (respondedOnLine && !switchOnLoss)) continue;

    if (stayOnLast && line === lineCount - 1) continue;
    let switches: boolean;
    if (respondedOnLine) {
      switches = salt > lossAbove; // loss of response (switchOnLoss)
    } else {
      const extended = hasExtension && months < extendTo
        && startSalt - salt >= extendFrac * startSalt;
      const failed = months >= failAt && !extended;
      const worsened = months >= worseFrom && salt - startSalt >= worsePoints;
      switches = failed || worsened;
    }
    if (switches) {
      resE = effect; resT = t; residualMatters = effect > 0;
      residualCanRespond = !(salt > threshold);
      acc[drugMonthsAt + drug] += months;
      if (recordOn) record![recordDrugAt + drug] += months;
      if (!respondedOnLine) nonResponseMonths += months;
      onDrug = false;
      nextStart = line + 1 < lineCount ? t + gap : Infinity;
    }
  }
  if (onDrug) {
    const months = horizon - start;
    acc[drugMonthsAt + drug] += months;
    if (recordOn) record![recordDrugAt + drug] += months;
    if (!respondedOnLine) nonResponseMonths += months;
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
