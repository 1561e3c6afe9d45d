// Trial mode (MODEL.md "Trial mode" and "Trial mode, version 2"): one drug from t = 0, no switching,
// assessments at exact times; imputation nri | locf | observed; re-randomised designs at w0; response patterns.
import { isDoseChange, type CompiledScenario } from './compile.js';
import { monthsPowerK, naturalSaltOf, onsetPowerAt, totalEffect } from './drug.js';
import type { Patient } from './population.js';

/** Imputation after an adverse-event stop: non-responder (version 1's rule), last observation carried forward, left out. */
export const IMPUTATION_NRI = 0;
export const IMPUTATION_LOCF = 1;
export const IMPUTATION_OBSERVED = 2;

/** Whom a re-randomised design selects at w0 among the patients still on the drug. */
export const SELECT_RESPONDERS = 0;
export const SELECT_NON_RESPONDERS = 1;

/** What a design does with the selected patients at w0, besides moving them to a catalog drug (its index). */
export const THEN_STAY = -1;
export const THEN_STOP = -2;

/** Loss of benefit: SALT(t) - SALT(w0) above this many points (MODEL.md, as the BRAVE-AA reports define it). */
export const LOST_BENEFIT_POINTS = 20;

/** Most assessment times a response pattern may span (2^12 counters per band). */
export const MAX_PATTERN_TIMES = 12;

/** A re-randomised design (plain numbers: it crosses to worker threads). */
export interface TrialDesign {
  /** w0, months from the trial's start. */
  atMonths: number;
  /** SELECT_RESPONDERS or SELECT_NON_RESPONDERS: SALT(w0) <= the scenario's responseThreshold or not. */
  select: number;
  /** A catalog drug index, THEN_STAY or THEN_STOP. */
  then: number;
}

/** A single-arm trial view: one drug, exact assessment times, bands of baseline SALT. */
export interface TrialSpec {
  drug: number;
  /** Assessment times, months (weeks converted with units.ts), in any order. */
  months: Float64Array;
  /** Response thresholds on SALT, e.g. [20, 10]. */
  thresholds: Float64Array;
  /** Band b holds salt0 in [bandLo[b], bandHi[b]); the last band includes its upper edge. */
  bandLo: Float64Array;
  bandHi: Float64Array;
  /** IMPUTATION_*; absent: IMPUTATION_NRI. */
  imputation?: number;
  /** Absent: no re-randomisation (every patient of the band counts). */
  design?: TrialDesign;
  /** Count the pattern of response (SALT <= thresholds[0]) over all assessment times. */
  patterns?: boolean;
}

/**
 * Where each count sits (offsets into the counts array), per band b, time i, threshold j:
 *   patients[b]            patients counted (the selected ones under a design)
 *   responders[i][j][b]    SALT <= threshold j at time i (version 1's layout up to here)
 *   observed[i][b]         under `observed`: patients not yet stopped for an adverse event at time i (else absent)
 *   lost[i][b]             under a design: SALT(t_i) - SALT(w0) > 20 (else absent)
 *   patterns[b][2^T]       with `patterns`: patients by pattern, bit i = responding at time i (else absent)
 */
export interface TrialLayout {
  bands: number;
  times: number;
  thresholds: number;
  responders: number;
  observed: number;
  lost: number;
  patterns: number;
  patternCount: number;
  length: number;
}

export function trialLayout(t: TrialSpec): TrialLayout {
  const bands = t.bandLo.length;
  const times = t.months.length;
  const thresholds = t.thresholds.length;
  const responders = bands;
  const observed = responders + times * thresholds * bands;
  const lost = observed + (t.imputation === IMPUTATION_OBSERVED ? times * bands : 0);
  const patterns = lost + (t.design ? times * bands : 0);
  const patternCount = t.patterns ? 2 ** times : 0;
  return { bands, times, thresholds, responders, observed, lost, patterns, patternCount, length: patterns + bands * patternCount };
}

/** Length of the counts array of a trial (trialLayout). */
export function trialCountsLength(t: TrialSpec): number {
  return trialLayout(t).length;
}

/** Band index of a baseline SALT, or -1 when it is in none. */
export function bandOf(t: TrialSpec, salt0: number): number {
  const last = t.bandLo.length - 1;
  for (let b = 0; b <= last; b++) {
    if (salt0 >= t.bandLo[b] && (salt0 < t.bandHi[b] || (b === last && salt0 <= t.bandHi[b]))) return b;
  }
  return -1;
}

/**
 * One patient's course in trial mode, as followPolicy keeps it: the running line's drug (G, 1 / tau,
 * the molecule's onset clock, its adverse-event and escape times) and the residual of what stopped or
 * escaped, resE exp(-(t - resT) / tauOff_i). Reused across patients (allocation-free).
 */
export class TrialCourse {
  drug = 0;
  potential = 0;
  invTau = 0;
  /** (1 / tau)^k of the drug (Patient.invTauK). */
  invTauK = 0;
  clock = 0;
  onDrug = false;
  aeEnd = Infinity;
  escapeAt = Infinity;
  /** The line's first event: min(aeEnd, escapeAt). */
  nextEvent = Infinity;
  resE = 0;
  resT = 0;
  invTauOff = 0;
  /** Time of the adverse-event stop (Infinity: none), and SALT there (for LOCF). */
  stopAt = Infinity;
  stopSalt = 0;
  /** Per assessment (in the spec's order): SALT(t) as computed in the first pass. */
  readonly salt: Float64Array;
  /** Assessment indices by time. */
  readonly order: Int32Array;
  /**
   * The highest threshold of the spec, where SALT is only compared with its thresholds (no design), else
   * Infinity: followTrial's bound, once per spec rather than once a patient.
   */
  readonly settledAbove: number;
  /**
   * Per assessment (in the spec's order): months^k (model/drug.ts monthsPowerK) when the course is built for a
   * run with k != 2, else empty. Assessments are not on the visit grid (weeks), so onsetPowerAt would take an exp
   * and a log at each one: 14% of a calibration's CPU profile.
   */
  readonly monthsK: Float64Array;

  constructor(t: Pick<TrialSpec, 'months'> & Partial<Pick<TrialSpec, 'thresholds' | 'design'>>, c?: CompiledScenario) {
    this.salt = new Float64Array(t.months.length);
    this.monthsK = c && !c.kIsTwo ? Float64Array.from(t.months, (m) => (m > 0 ? monthsPowerK(c, m) : 0)) : new Float64Array(0);
    this.order = Int32Array.from(Array.from(t.months.keys()).sort((a, b) => t.months[a] - t.months[b] || a - b));
    this.settledAbove = t.design || !t.thresholds ? Infinity : Math.max(...t.thresholds);
  }

  /** Back to no drug taken yet, no residual, the patient's tauOff (the state before a course starts). */
  reset(c: CompiledScenario, p: Patient): void {
    this.potential = 0;
    this.clock = 0;
    this.onDrug = false;
    this.aeEnd = Infinity;
    this.escapeAt = Infinity;
    this.nextEvent = Infinity;
    this.resE = 0;
    this.resT = 0;
    this.invTauOff = c.offsetOn ? p.invTauOff : c.invTauOff;
    this.stopAt = Infinity;
  }

  /** Take over another course's state (to follow one history under several options). */
  copyFrom(o: TrialCourse): void {
    this.drug = o.drug;
    this.potential = o.potential;
    this.invTau = o.invTau;
    this.invTauK = o.invTauK;
    this.clock = o.clock;
    this.onDrug = o.onDrug;
    this.aeEnd = o.aeEnd;
    this.escapeAt = o.escapeAt;
    this.nextEvent = o.nextEvent;
    this.resE = o.resE;
    this.resT = o.resT;
    this.invTauOff = o.invTauOff;
    this.stopAt = o.stopAt;
    this.stopSalt = o.stopSalt;
  }

  /** Start a line on drug d at time `start`; a dose change keeps the onset clock. */
  startLine(p: Patient, d: number, start: number, keepsClock: boolean): void {
    this.drug = d;
    this.potential = p.potential[d];
    this.invTau = p.invTau[d];
    this.invTauK = p.invTauK[d];
    if (!keepsClock) this.clock = start;
    this.onDrug = true;
    this.aeEnd = start + p.aeMonths[d];
    this.escapeAt = start + p.escapeMonths[d];
    this.nextEvent = this.aeEnd < this.escapeAt ? this.aeEnd : this.escapeAt;
  }

  /** E(t), the total effect. */
  effectAt(c: CompiledScenario, t: number): number {
    return this.effectOfPower(t, onsetPowerAt(c, t - this.clock, this.invTau, this.invTauK, c.kIsTwo === true));
  }

  /** E(t) given the onset power (u / tau)^k at t. */
  private effectOfPower(t: number, power: number): number {
    return totalEffect(this.potential, power, this.resE, t - this.resT, this.invTauOff);
  }

  /** The effect at t becomes the residual (a stop, or an escape: G = 0 from t on). */
  freeze(c: CompiledScenario, t: number): void {
    this.resE = this.effectAt(c, t);
    this.resT = t;
    this.potential = 0;
  }

  stopLine(c: CompiledScenario, t: number): void {
    this.freeze(c, t);
    this.onDrug = false;
    this.nextEvent = Infinity;
  }

  /** Apply the escape and adverse-event stop due by time t, in time order. */
  advance(c: CompiledScenario, p: Patient, t: number): void {
    if (!(this.onDrug && this.nextEvent <= t)) return;
    if (this.escapeAt < this.aeEnd) {
      this.freeze(c, this.escapeAt);
      this.escapeAt = Infinity;
      this.nextEvent = this.aeEnd;
    }
    if (this.aeEnd <= t) {
      const a = this.aeEnd;
      this.stopLine(c, a);
      this.stopAt = a;
      this.stopSalt = naturalSaltOf(p.salt0, p.omega, a) * (1 - this.resE);
    }
  }

  saltAt(c: CompiledScenario, p: Patient, t: number): number {
    return naturalSaltOf(p.salt0, p.omega, t) * (1 - this.effectAt(c, t));
  }

  /**
   * saltAt(c, p, t) at assessment i (t = its months), the same double: on the onset clock started at 0,
   * onsetPowerAt(c, t - 0, ...) is monthsPowerK(c, t) (1 / tau)^k, and the course keeps monthsPowerK(c, t).
   */
  saltAtAssessment(c: CompiledScenario, p: Patient, i: number, t: number): number {
    if (this.clock !== 0 || this.monthsK.length === 0 || !(t > 0)) return this.saltAt(c, p, t);
    return naturalSaltOf(p.salt0, p.omega, t) * (1 - this.effectOfPower(t, this.monthsK[i] * this.invTauK));
  }
}

/**
 * Follow the patient through the trial (the design applied at w0) and keep SALT at each assessment in
 * `course.salt` (Infinity where, without a design, it is provably above every threshold). Returns SALT(w0) for a selected patient, NaN for one the design does not select, and 0
 * without a design.
 */
function followTrial(c: CompiledScenario, t: TrialSpec, p: Patient, course: TrialCourse): number {
  course.reset(c, p);
  course.startLine(p, t.drug, 0, false);
  const design = t.design;
  let pending = design !== undefined;
  let saltW0 = 0;
  // Without a design SALT is only compared with the thresholds, and the effect never exceeds the drug's G
  // (G h <= G, and the residual of a stop or an escape is at most the effect it froze), so SALTnat (1 - G)
  // above every threshold settles them all without an exp: SALT is then kept as Infinity (the bound of
  // followPolicy's comment, exact in floating point because rounding is monotone). `course` is built for t.
  const potential = p.potential[t.drug];
  const above = course.settledAbove;
  for (let k = 0; k <= course.order.length; k++) {
    const i = k < course.order.length ? course.order[k] : -1;
    const m = i >= 0 ? t.months[i] : Infinity;
    // The design acts at w0, after the assessments at w0 (SALT there is the one it selects on).
    if (pending && design!.atMonths < m) {
      pending = false;
      const w0 = design!.atMonths;
      course.advance(c, p, w0);
      if (!course.onDrug) return NaN; // only patients still on the drug are re-randomised
      saltW0 = course.saltAt(c, p, w0);
      const responds = saltW0 <= c.threshold;
      if (responds !== (design!.select === SELECT_RESPONDERS)) return NaN;
      const then = design!.then;
      if (then !== THEN_STAY) {
        const from = course.drug;
        course.stopLine(c, w0);
        if (then !== THEN_STOP) course.startLine(p, then, w0, isDoseChange(c.molecule[from], c.molecule[then], 0));
      }
    }
    if (i < 0) break;
    course.advance(c, p, m);
    course.salt[i] = naturalSaltOf(p.salt0, p.omega, m) * (1 - potential) > above ? Infinity : course.saltAtAssessment(c, p, i, m);
  }
  return saltW0;
}

/**
 * Add one patient's trial outcomes to `counts` (trialLayout). At each time t: response iff SALT <= the
 * threshold; a patient stopped for an adverse event before t is a non-responder (nri, and then counted as
 * having lost benefit), keeps the SALT of the stop (locf), or leaves numerator and denominator (observed;
 * and the patterns). Under a design only the selected patients are counted.
 */
export function addTrialPatient(
  c: CompiledScenario, t: TrialSpec, p: Patient, counts: Float64Array, lay: TrialLayout, course: TrialCourse,
): void {
  const band = bandOf(t, p.salt0);
  if (band < 0) return;
  const saltW0 = followTrial(c, t, p, course);
  if (saltW0 !== saltW0) return; // not selected
  const bands = lay.bands;
  const nThr = lay.thresholds;
  const imputation = t.imputation ?? IMPUTATION_NRI;
  const hasDesign = t.design !== undefined;
  counts[band]++;
  const hasPatterns = lay.patternCount > 0;
  let pattern = 0;
  let patternValid = true;
  for (let i = 0; i < lay.times; i++) {
    const stopped = course.stopAt < t.months[i];
    if (stopped && imputation === IMPUTATION_OBSERVED) {
      patternValid = false;
      continue;
    }
    if (imputation === IMPUTATION_OBSERVED) counts[lay.observed + i * bands + band]++;
    if (stopped && imputation === IMPUTATION_NRI) {
      if (hasDesign) counts[lay.lost + i * bands + band]++;
      continue;
    }
    const salt = stopped ? course.stopSalt : course.salt[i];
    for (let j = 0; j < nThr; j++) {
      if (salt <= t.thresholds[j]) counts[lay.responders + (i * nThr + j) * bands + band]++;
    }
    if (hasDesign && salt - saltW0 > LOST_BENEFIT_POINTS) counts[lay.lost + i * bands + band]++;
    if (hasPatterns && salt <= t.thresholds[0]) pattern |= 1 << i;
  }
  if (hasPatterns && patternValid) counts[lay.patterns + band * lay.patternCount + pattern]++;
}
