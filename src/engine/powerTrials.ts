// Simulated two-arm and SMART trials for power analysis (app/power.ts): the engine's drawPatientLazy and followPolicy,
// a test per trial.
import seedrandom from 'seedrandom';
import type { CompiledScenario } from '../model/compile.js';
import { Patient, drawPatientLazy } from '../model/population.js';
import { RECORD_NON_RESPONSE, followPolicy, patientRecordStride } from '../policy/followPolicy.js';
import { Stream } from '../rng/streams.js';
import { fisherExactP, logFactorials, newcombeInterval, twoProportionZ, welchTest } from '../stats/tests.js';

/** End points: responded at a visit <= month, SALT <= threshold at the visit of month, months on non-responding lines. */
export const ENDPOINT_CUMULATIVE = 0;
export const ENDPOINT_POINT = 1;
export const ENDPOINT_NON_RESPONSE = 2;

export const TEST_Z = 0;
export const TEST_FISHER = 1;
export const TEST_NEWCOMBE = 2;
export const TEST_WELCH = 3;

/** The simulated trial design at one total sample size: plain numbers only (it crosses to worker threads). */
export interface PowerTrialDesign {
  /** True for a SMART, false for parallel groups. */
  smart: boolean;
  seed: number;
  /** Patients per trial. */
  n: number;
  endpoint: number;
  /** 0-based visit index of the end point's month (cumulative, point). */
  endpointVisit: number;
  /** Parallel: policy indices of arms 1 and 2 (equal for a null design) and the patients on arm 1. */
  armA: number;
  armB: number;
  nA: number;
  test: number;
  sides: 1 | 2;
  alpha: number;
  /** Critical value of the z statistic (z test, Newcombe's interval, SMART's z): Phi^-1(1 - alpha / sides). */
  critical: number;
  /** SMART: policy indices of the options (the embedded regimes), the decision visit (0-based) and the compared pair (indices into options). */
  options: number[];
  decisionVisit: number;
  compareA: number;
  compareB: number;
}

/** Trials `first` .. `first + count - 1` of one sample size. */
export interface TrialRange { first: number; count: number }

/** Values per trial in runPowerTrials's output: reject (0/1), estimated effect, then one value per arm or regime. */
export function powerStride(design: PowerTrialDesign): number {
  return 2 + (design.smart ? design.options.length : 2);
}

/** seedrandom key of trial `t` at `n` patients; `part` is `patients` or `assign` (separate streams). */
export function trialStreamKey(seed: number, n: number, t: number, part: 'patients' | 'assign'): string {
  return `${seed}/power/${n}/${t}/${part}`;
}

function streamOf(key: string): Stream {
  const st = seedrandom.tychei(key, { state: true }).state() as unknown as { a: number; b: number; c: number; d: number };
  return new Stream(st.a, st.b, st.c, st.d);
}

/** Per-patient scratch shared by the trials of a block. */
interface Scratch {
  patient: Patient;
  acc: Float64Array;
  record: Float64Array;
  stride: number;
  /** First responding visit (0-based; visitCount: never) of the last `outcome` call. */
  first: number;
}

/**
 * Follow the scratch patient under policy `policy` (the engine's followPolicy, unchanged) and read
 * the end point: 1/0 for response, or months on non-responding lines. `acc` is
 * a scratch aggregate: a point response is read as the increment of its counter.
 */
function outcome(c: CompiledScenario, design: PowerTrialDesign, policy: number, s: Scratch): number {
  const at = policy * c.layout.policyStride + c.layout.point + design.endpointVisit;
  const before = design.endpoint === ENDPOINT_POINT ? s.acc[at] : 0;
  const first = followPolicy(c, policy, s.patient, s.acc, s.record);
  s.first = first;
  if (design.endpoint === ENDPOINT_CUMULATIVE) return first <= design.endpointVisit ? 1 : 0;
  if (design.endpoint === ENDPOINT_POINT) return s.acc[at] - before;
  return s.record[policy * s.stride + RECORD_NON_RESPONSE];
}

/**
 * Simulate a block of trials at `design.n` patients each. Trial t draws its
 * patients with drawPatient from its own stream and its randomisation from
 * another, so results do not depend on how trials are grouped into blocks or
 * on the worker count, and arms see patients exactly as a run draws them.
 *
 * Parallel: exactly nA patients on arm 1 (each patient in turn with
 * probability remaining-on-arm-1 / remaining), each followed under its arm's
 * policy only. SMART: every patient is followed under option 1 to the decision
 * visit; a patient who has responded on the first drug by then continues
 * (option 1's follow-up, weight 1 for every regime); any other patient is
 * re-randomised uniformly among the k options and followed under the one
 * drawn (weight k for that regime, 0 for the others).
 * Returns powerStride(design) values per trial (see powerStride).
 */
export function runPowerTrials(c: CompiledScenario, design: PowerTrialDesign, range: TrialRange): Float64Array {
  const stride = powerStride(design);
  const out = new Float64Array(range.count * stride);
  const recordStride = patientRecordStride(c.drugCount);
  const s: Scratch = {
    patient: new Patient(c.drugCount),
    acc: new Float64Array(c.layout.length),
    record: new Float64Array(c.policyCount * recordStride),
    stride: recordStride,
    first: 0,
  };
  const lf = design.test === TEST_FISHER ? logFactorials(design.n) : new Float64Array(0);
  const y = new Float64Array(design.n);
  const arm = new Int32Array(design.n); // parallel: 0 or 1; SMART: option drawn, -1 for responders
  for (let i = 0; i < range.count; i++) {
    const t = range.first + i;
    const rng = streamOf(trialStreamKey(design.seed, design.n, t, 'patients'));
    const assign = streamOf(trialStreamKey(design.seed, design.n, t, 'assign'));
    if (design.smart) smartTrial(c, design, s, rng, assign, y, arm, out, i * stride);
    else parallelTrial(c, design, s, rng, assign, y, arm, lf, out, i * stride);
  }
  return out;
}

function parallelTrial(
  c: CompiledScenario, design: PowerTrialDesign, s: Scratch, rng: Stream, assign: Stream,
  y: Float64Array, arm: Int32Array, lf: Float64Array, out: Float64Array, at: number,
): void {
  const n = design.n;
  let leftA = design.nA;
  for (let i = 0; i < n; i++) {
    drawPatientLazy(rng, c, s.patient);
    const onA = assign.uniform() * (n - i) < leftA;
    if (onA) leftA--;
    arm[i] = onA ? 0 : 1;
    y[i] = outcome(c, design, onA ? design.armA : design.armB, s);
  }
  let sumA = 0, sqA = 0, sumB = 0, sqB = 0;
  for (let i = 0; i < n; i++) {
    if (arm[i] === 0) { sumA += y[i]; sqA += y[i] * y[i]; } else { sumB += y[i]; sqB += y[i] * y[i]; }
  }
  const nA = design.nA;
  const nB = n - nA;
  let reject = false;
  if (design.test === TEST_Z) {
    const z = twoProportionZ(sumA, nA, sumB, nB);
    reject = design.sides === 2 ? Math.abs(z) > design.critical : z > design.critical;
  } else if (design.test === TEST_FISHER) {
    reject = fisherExactP(sumA, nA, sumB, nB, design.sides, lf) <= design.alpha;
  } else if (design.test === TEST_NEWCOMBE) {
    const [lo, hi] = newcombeInterval(sumA, nA, sumB, nB, design.critical);
    reject = lo > 0 || (design.sides === 2 && hi < 0);
  } else {
    reject = welchTest(sumA, sqA, nA, sumB, sqB, nB, design.sides).p <= design.alpha;
  }
  out[at] = reject ? 1 : 0;
  out[at + 1] = sumB / nB - sumA / nA;
  out[at + 2] = sumA / nA;
  out[at + 3] = sumB / nB;
}

function smartTrial(
  c: CompiledScenario, design: PowerTrialDesign, s: Scratch, rng: Stream, assign: Stream,
  y: Float64Array, opt: Int32Array, out: Float64Array, at: number,
): void {
  const n = design.n;
  const k = design.options.length;
  // Counter of option 1's patients who responded on line 1 (model/layout.ts): read as an increment.
  const line1At = design.options[0] * c.layout.policyStride + c.layout.respondedOn;
  for (let i = 0; i < n; i++) {
    drawPatientLazy(rng, c, s.patient);
    const u = assign.uniform(); // drawn for every patient: the assignment stream stays aligned
    const before = s.acc[line1At];
    const y0 = outcome(c, design, design.options[0], s);
    // A responder at the decision: first response at a visit <= the decision visit, on the first drug. (A
    // patient whose first line ended for an adverse event before responding is re-randomised: the options'
    // second lines then differ from that stop on.)
    if (s.first <= design.decisionVisit && s.acc[line1At] > before) {
      opt[i] = -1;
      y[i] = y0;
    } else {
      const j = Math.min(k - 1, Math.floor(u * k));
      opt[i] = j;
      y[i] = j === 0 ? y0 : outcome(c, design, design.options[j], s);
    }
  }
  // Hajek (normalised IPW) estimate per regime: mu_j = sum W_ij y_i / sum W_ij.
  for (let j = 0; j < k; j++) {
    let sw = 0, swy = 0;
    for (let i = 0; i < n; i++) {
      const w = opt[i] < 0 ? 1 : opt[i] === j ? k : 0;
      sw += w; swy += w * y[i];
    }
    out[at + 2 + j] = sw > 0 ? swy / sw : NaN;
  }
  // Sandwich variance of mu_b - mu_a: (1/n^2) sum u_i^2, u_i = W_ib (y_i - mu_b) / wbar_b - W_ia (y_i - mu_a) / wbar_a.
  const a = design.compareA;
  const b = design.compareB;
  const muA = out[at + 2 + a];
  const muB = out[at + 2 + b];
  let swA = 0, swB = 0;
  for (let i = 0; i < n; i++) {
    swA += opt[i] < 0 ? 1 : opt[i] === a ? k : 0;
    swB += opt[i] < 0 ? 1 : opt[i] === b ? k : 0;
  }
  const wbarA = swA / n;
  const wbarB = swB / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const wa = opt[i] < 0 ? 1 : opt[i] === a ? k : 0;
    const wb = opt[i] < 0 ? 1 : opt[i] === b ? k : 0;
    const ui = (wb > 0 ? (wb * (y[i] - muB)) / wbarB : 0) - (wa > 0 ? (wa * (y[i] - muA)) / wbarA : 0);
    ss += ui * ui;
  }
  const diff = muB - muA;
  const se = Math.sqrt(ss) / n;
  const z = se > 0 ? diff / se : 0;
  const valid = swA > 0 && swB > 0;
  out[at] = valid && (design.sides === 2 ? Math.abs(z) > design.critical : z > design.critical) ? 1 : 0;
  out[at + 1] = valid ? diff : NaN;
}
