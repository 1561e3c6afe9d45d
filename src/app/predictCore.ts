// The part of `jaksim predict` that needs neither files nor threads: a patient's facts as model/predict.ts numbers,
// and the weighted sums of one or more runs (one per parameter draw) summarised as the answers. The CLI (app/
// predict.ts), its batch mode (app/predictBatch.ts) and the clinic page's Web Worker (app/clinicWorker.ts) all
// use it, so the page's numbers are the CLI's. No node:* import anywhere below this file.
import { planBlocks, runPredictBlock } from '../engine/runBlock.js';
import { UserError } from '../io/errors.js';
import type { PatientFacts } from '../io/patientFacts.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import {
  OPTION_CONTINUE, SALT_BINS, optionBase, predictLayout, type PredictLayout, type PredictSpec,
} from '../model/predict.js';
import type { Scenario } from '../model/scenario.js';
import { Z95 } from '../stats/special.js';
import { wilson } from '../stats/intervals.js';

/** Below this effective sample size the weighted draws are too few to trust: refused. */
export const MIN_ESS = 100;

/** The month the ranked summary compares the options at (or the horizon, if sooner). */
export const RANK_MONTH = 12;

export { DEFAULT_PARAMETER_DRAWS, DEFAULT_SD_OBS } from './defaults.js';

export interface ResponseAt { month: number; rate: number; lo: number; hi: number }

export interface OptionPrediction {
  /** `continue`, `switch:<drug id>` or `start:<drug id>`. */
  option: string;
  /**
   * P(SALT <= threshold at some monthly visit up to now + month), with a 95% interval: Monte Carlo (Wilson at
   * the ESS), widened by the spread over the calibration's posterior draws when there are parameter draws.
   */
  responseBy: ResponseAt[];
  /** With parameter draws: the same rates with the Monte Carlo part of the interval alone. */
  responseByMonteCarlo?: ResponseAt[];
  /** `continue` only: the same among the draws with no response at the current line's monthly visits so far. */
  responseByIfNotYet?: ResponseAt[];
  /** Months from now to the first response, counted as `months` for no response within the horizon (a restricted mean). */
  expectedMonthsToResponse: number;
  /** Predicted SALT at each month: 10th, 50th and 90th weighted percentiles (an 80% prediction interval). */
  salt: { month: number; q10: number; median: number; q90: number }[];
}

export interface PredictResult {
  ess: number;
  now: number;
  draws: number;
  sdObs: number;
  seed: number;
  threshold: number;
  /** Months after now followed (the scenario's horizon). */
  months: number;
  rhoClass: number;
  /** Posterior draws of the calibration the prediction ran over (0: the catalog's point estimates only). */
  parameterDraws: number;
  options: OptionPrediction[];
  /** Options by P(response by RANK_MONTH) (or the horizon), best first. */
  ranking: { option: string; month: number; rate: number }[];
}

/** The prediction's settings, as given (they are echoed in the result); parameterDraws 0: point estimates only. */
export interface PredictSettings { draws: number; sdObs: number; seed: number; parameterDraws: number }

/** A patient's options and their model numbers. */
export interface PredictPlan { facts: PatientFacts; options: { name: string; drug: number }[]; spec: PredictSpec }

/** The option names and drugs for a patient: continue and switch:<other drug>, or start:<drug> with no history. */
function optionsFor(s: Scenario, facts: PatientFacts): { name: string; drug: number }[] {
  const ids = s.catalog.map((d) => d.id);
  const last = facts.history[facts.history.length - 1];
  if (!last) return ids.map((id, d) => ({ name: `start:${id}`, drug: d }));
  const others = ids.flatMap((id, d) => (id === last.drug ? [] : [{ name: `switch:${id}`, drug: d }]));
  return last.stop === undefined ? [{ name: 'continue', drug: OPTION_CONTINUE }, ...others] : others;
}

/** The patient's facts as model/predict.ts numbers. */
export function predictSpec(s: Scenario, facts: PatientFacts, sdObs: number, options: { drug: number }[], file: string): PredictSpec {
  const index = new Map(s.catalog.map((d, i) => [d.id, i]));
  const h = facts.history;
  const now = facts.now;
  const aeFixed = new Float64Array(s.catalog.length).fill(NaN);
  const aeAtLeast = new Float64Array(s.catalog.length);
  h.forEach((line) => {
    const d = index.get(line.drug)!;
    const months = (line.stop ?? now) - line.start;
    if (line.reason === 'adverse-event') aeFixed[d] = months;
    else if (months > aeAtLeast[d]) aeAtLeast[d] = months;
  });
  h.forEach((line, i) => {
    const d = index.get(line.drug)!;
    if (line.stop === undefined && aeFixed[d] === aeFixed[d] && now - line.start >= aeFixed[d]) {
      throw new UserError(`${file}: history[${i}]: expected fewer than ${aeFixed[d]} months on ${line.drug} by now (${now}): it stopped for an adverse event after ${aeFixed[d]} months before, and the model has one adverse-event time per drug`);
    }
  });
  const probeTime: number[] = [];
  const probeValue: number[] = [];
  const probeFrom = [0];
  h.forEach((line, i) => {
    const probes = line.salt.map((x) => ({ t: x.month, y: x.value }));
    // The last line's monthly visits up to now: a response there means "responded already" (responseByIfNotYet).
    if (i === h.length - 1 && line.stop === undefined) for (let m = 1; line.start + m <= now; m++) probes.push({ t: line.start + m, y: NaN });
    probes.sort((a, b) => a.t - b.t);
    for (const p of probes) { probeTime.push(p.t); probeValue.push(p.y); }
    probeFrom.push(probeTime.length);
  });
  return {
    salt0: facts.salt0, durYears: facts.durYears, minoxidil: facts.minoxidil ? 1 : 0,
    lineDrug: Int32Array.from(h, (l) => index.get(l.drug)!),
    lineStart: Float64Array.from(h, (l) => l.start),
    lineStop: Float64Array.from(h, (l) => l.stop ?? Infinity),
    aeFixed, aeAtLeast,
    probeFrom: Int32Array.from(probeFrom), probeTime: Float64Array.from(probeTime), probeValue: Float64Array.from(probeValue),
    now, sdObs, optionDrug: Int32Array.from(options, (o) => o.drug), months: Math.floor(s.horizon + 1e-9),
  };
}

/** The options and model numbers of a validated patient. @throws UserError when no option is left. */
export function planPrediction(s: Scenario, facts: PatientFacts, sdObs: number, file: string): PredictPlan {
  if (!(sdObs > 0 && Number.isFinite(sdObs))) throw new UserError(`--sd-obs: expected a positive number of SALT points, got ${sdObs}`);
  const options = optionsFor(s, facts);
  if (options.length === 0) throw new UserError(`${file}: expected a history that leaves an option (the catalog has no other drug)`);
  return { facts, options, spec: predictSpec(s, facts, sdObs, options, file) };
}

/** The scenario compiled for `draws` population draws from `seed` (every parameter draw uses the same: common random numbers). */
export function compilePrediction(s: Scenario, draws: number, seed: number): CompiledScenario {
  return compileScenario({ ...s, patients: draws, seed });
}

/**
 * The sums of one run in this thread: every block in block order, added as Engine.predict adds them (so the
 * clinic page's numbers are byte-identical to the CLI's on any number of workers).
 */
export function predictSumsHere(c: CompiledScenario, spec: PredictSpec): Float64Array {
  const total = new Float64Array(predictLayout(spec).length);
  for (const block of planBlocks(c.patients)) {
    const out = runPredictBlock(c, spec, block);
    for (let i = 0; i < total.length; i++) total[i] += out[i];
  }
  return total;
}

/** Effective sample size of weights with sum `w` and sum of squares `w2`. */
const essOf = (w: number, w2: number) => (w2 > 0 ? (w * w) / w2 : 0);

/**
 * The layout of the sums without the SALT histograms (what batch mode keeps per patient), padded to
 * `options` options: the response-time sums are at the same offsets within an option as in the full layout.
 */
export function responseLayout(months: number, options: number): PredictLayout {
  const stride = 2 * (months + 1);
  return { months, options, first: 0, firstOpen: months + 1, salt: stride, stride, length: 4 + options * stride };
}

/** The full sums of one run cut to responseLayout(months, options) (unused options left zero). */
export function responseSums(acc: Float64Array, lay: PredictLayout, options: number): Float64Array {
  const to = responseLayout(lay.months, options);
  const out = new Float64Array(to.length);
  out.set(acc.subarray(0, 4));
  for (let o = 0; o < lay.options; o++) out.set(acc.subarray(optionBase(lay, o), optionBase(lay, o) + to.stride), optionBase(to, o));
  return out;
}

/** Cumulative P(first response <= month) with Wilson intervals at the ESS, from `first` (weights by first visit). */
function responseCurve(acc: Float64Array, at: number, months: number, sumW: number, ess: number): ResponseAt[] {
  const out: ResponseAt[] = [];
  let cum = 0;
  for (let m = 1; m <= months; m++) {
    cum += acc[at + m - 1];
    const rate = sumW > 0 ? Math.min(1, cum / sumW) : 0;
    const r = wilson(rate * ess, ess);
    // Wilson's edges at a non-integer count can round a hair past the rate itself.
    out.push({ month: m, rate, lo: Math.min(r.lo, rate), hi: Math.max(r.hi, rate) });
  }
  return out;
}

/**
 * The parameter part of the interval: a curve's rates under each parameter draw k (its own sums), their spread
 * around the pooled rate with the draws weighted by how well each explains the history (pi_k, the share of the
 * weights), added in quadrature to each side of the Monte Carlo interval.
 */
function withParameterSpread(
  mc: ResponseAt[], accs: readonly Float64Array[], at: number, wAt: number, pi: readonly number[],
): ResponseAt[] {
  const cum = accs.map(() => 0);
  return mc.map((p) => {
    let v = 0;
    accs.forEach((a, k) => {
      cum[k] += a[at + p.month - 1];
      const rate = a[wAt] > 0 ? cum[k] / a[wAt] : 0;
      v += pi[k] * (rate - p.rate) ** 2;
    });
    const z = Z95 * Math.sqrt(v);
    return {
      month: p.month, rate: p.rate,
      lo: Math.max(0, p.rate - Math.hypot(p.rate - p.lo, z)), hi: Math.min(1, p.rate + Math.hypot(p.hi - p.rate, z)),
    };
  });
}

/** The weighted q-quantile of a SALT histogram (SALT_BINS one-point bins), linear within the bin. */
function histogramQuantile(acc: Float64Array, at: number, total: number, q: number): number {
  const target = q * total;
  let cum = 0;
  for (let b = 0; b < SALT_BINS; b++) {
    const w = acc[at + b];
    if (w > 0 && cum + w >= target) return b + (target - cum) / w;
    cum += w;
  }
  return SALT_BINS;
}

/** Sums over parameter draws: their element-wise total (the pooled importance sample), the one run itself when alone. */
function pooledSums(accs: readonly Float64Array[]): Float64Array {
  if (accs.length === 1) return accs[0];
  const out = new Float64Array(accs[0].length);
  for (const a of accs) for (let i = 0; i < out.length; i++) out[i] += a[i];
  return out;
}

/** Shares pi_k of the weights at offset `at` (sum of weights) over the draws, and the pi-weighted mean ESS. */
function drawShares(accs: readonly Float64Array[], at: number): { pi: number[]; ess: number } {
  if (accs.length === 1) return { pi: [1], ess: essOf(accs[0][at], accs[0][at + 1]) };
  const total = accs.reduce((t, a) => t + a[at], 0);
  const pi = accs.map((a) => (total > 0 ? a[at] / total : 0));
  return { pi, ess: accs.reduce((e, a, k) => e + pi[k] * essOf(a[at], a[at + 1]), 0) };
}

function optionResult(
  accs: readonly Float64Array[], pooled: Float64Array, lay: PredictLayout, o: number, name: string, withSalt: boolean,
): OptionPrediction {
  const base = optionBase(lay, o);
  const months = lay.months;
  const sumW = pooled[0];
  const all = drawShares(accs, 0);
  const open = drawShares(accs, 2);
  let expected = 0;
  for (let j = 0; j <= months; j++) expected += pooled[base + lay.first + j] * (j === months ? months : j + 1);
  const salt = [];
  for (let m = 1; withSalt && m <= months; m++) {
    const at = base + lay.salt + (m - 1) * SALT_BINS;
    const r = (q: number) => Math.round(100 * histogramQuantile(pooled, at, sumW, q)) / 100;
    salt.push({ month: m, q10: r(0.1), median: r(0.5), q90: r(0.9) });
  }
  const mc = responseCurve(pooled, base + lay.first, months, sumW, all.ess);
  const mcOpen = responseCurve(pooled, base + lay.firstOpen, months, pooled[2], open.ess);
  const spread = accs.length > 1;
  return {
    option: name,
    responseBy: spread ? withParameterSpread(mc, accs, base + lay.first, 0, all.pi) : mc,
    ...(spread ? { responseByMonteCarlo: mc } : {}),
    ...(name === 'continue' ? { responseByIfNotYet: spread ? withParameterSpread(mcOpen, accs, base + lay.firstOpen, 2, open.pi) : mcOpen } : {}),
    expectedMonthsToResponse: sumW > 0 ? expected / sumW : months,
    salt,
  };
}

/** A prediction, or why it is refused (the history too unlikely for the draws: its ESS below MIN_ESS). */
export type PredictOutcome = { ok: true; result: PredictResult } | { ok: false; ess: number; reason: string };

/**
 * The answers from the sums of one run per parameter draw (one run: the catalog's point estimates). The draws are
 * pooled into one importance sample (so each parameter draw counts by how well it explains the history); the
 * Monte Carlo interval is Wilson's at the pi-weighted mean ESS of the runs, the parameter part the spread of
 * the runs' own rates (withParameterSpread). `lay` is predictLayout(spec), or responseLayout (no SALT histograms).
 */
export function summarizePrediction(
  s: Scenario, plan: PredictPlan, accs: readonly Float64Array[], set: PredictSettings, file: string,
  lay: PredictLayout = predictLayout(plan.spec),
): PredictOutcome {
  const { ess } = drawShares(accs, 0);
  if (!(ess >= MIN_ESS)) {
    return {
      ok: false, ess,
      reason: `${file}: the history is too unlikely under the model for ${set.draws} draws: effective sample size ${ess.toFixed(1)}, below ${MIN_ESS}. `
        + 'Check the SALT scores and the drugs, raise --draws, or raise --sd-obs if the scores are noisier than the model assumes',
    };
  }
  const pooled = pooledSums(accs);
  const withSalt = lay.salt < lay.stride;
  const results = plan.options.map((o, i) => optionResult(accs, pooled, lay, i, o.name, withSalt));
  const months = plan.spec.months;
  const rankMonth = Math.min(RANK_MONTH, months);
  const ranking = results.map((r) => ({ option: r.option, month: rankMonth, rate: r.responseBy[rankMonth - 1].rate }))
    .sort((x, y) => y.rate - x.rate);
  return {
    ok: true,
    result: {
      ess: Math.round(ess * 10) / 10, now: plan.facts.now, draws: set.draws, sdObs: set.sdObs, seed: set.seed, threshold: s.responseThreshold,
      months, rhoClass: s.correlation.rhoClass, parameterDraws: set.parameterDraws, options: results, ranking,
    },
  };
}
