// The predict use case (issue 15): one patient's chances under each next option, by importance sampling from the
// scenario's population conditioned on the patient's covariates and history (MODEL.md "Conditioning on one
// patient's history"; model/predict.ts holds the per-draw code, the engine spreads the draws over its workers).
import type { Engine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { loadPatient, validatePatient, type PatientFacts } from '../io/patient.js';
import { DEFAULTS, loadScenario, validateScenario } from '../io/scenario.js';
import { compileScenario } from '../model/compile.js';
import {
  OPTION_CONTINUE, SALT_BINS, optionBase, predictLayout, type PredictLayout, type PredictSpec,
} from '../model/predict.js';
import type { Scenario } from '../model/scenario.js';
import { wilson } from '../stats/intervals.js';
import { SCRIPT_CONTEXT, type AppContext } from './context.js';

/** Below this effective sample size the weighted draws are too few to trust: refused. */
export const MIN_ESS = 100;

/** Default measurement error of a recorded SALT score (MODEL.md), SALT points. */
export const DEFAULT_SD_OBS = 5;

/** The month the ranked summary compares the options at (or the horizon, if sooner). */
export const RANK_MONTH = 12;

export interface PredictInputs {
  /** The patient file; or the parsed document with `patientDoc`. */
  patient: string;
  patientDoc?: unknown;
  /** A scenario file; absent: the shipped calibrated catalog's approved drugs with the default population. */
  scenario?: string;
  /** The scenario itself (scripts and tests), instead of a file. */
  scenarioValue?: Scenario;
  draws: number;
  sdObs: number;
  seed: number;
}

export interface ResponseAt { month: number; rate: number; lo: number; hi: number }

export interface OptionPrediction {
  /** `continue`, `switch:<drug id>` or `start:<drug id>`. */
  option: string;
  /** P(SALT <= threshold at some monthly visit up to now + month), 95% Monte Carlo interval (Wilson at the ESS). */
  responseBy: ResponseAt[];
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
  options: OptionPrediction[];
  /** Options by P(response by RANK_MONTH) (or the horizon), best first. */
  ranking: { option: string; month: number; rate: number }[];
}

/** The scenario predictions draw from: the file, or the default catalog (no policy is simulated). */
export function predictScenario(file: string | undefined): Scenario {
  if (file !== undefined) return loadScenario(file);
  return validateScenario({ policies: [{ id: 'predict', sequence: [DEFAULTS.catalog.drugs[0]] }] }, '(default scenario)');
}

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

/** Effective sample size of weights with sum `w` and sum of squares `w2`. */
const essOf = (w: number, w2: number) => (w2 > 0 ? (w * w) / w2 : 0);

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

function optionResult(acc: Float64Array, lay: PredictLayout, o: number, name: string, ess: number): OptionPrediction {
  const base = optionBase(lay, o);
  const months = lay.months;
  const sumW = acc[0];
  let expected = 0;
  for (let j = 0; j <= months; j++) expected += acc[base + lay.first + j] * (j === months ? months : j + 1);
  const salt = [];
  for (let m = 1; m <= months; m++) {
    const at = base + lay.salt + (m - 1) * SALT_BINS;
    const r = (q: number) => Math.round(100 * histogramQuantile(acc, at, sumW, q)) / 100;
    salt.push({ month: m, q10: r(0.1), median: r(0.5), q90: r(0.9) });
  }
  const openEss = essOf(acc[2], acc[3]);
  return {
    option: name,
    responseBy: responseCurve(acc, base + lay.first, months, sumW, ess),
    ...(name === 'continue' ? { responseByIfNotYet: responseCurve(acc, base + lay.firstOpen, months, acc[2], openEss) } : {}),
    expectedMonthsToResponse: sumW > 0 ? expected / sumW : months,
    salt,
  };
}

/** `jaksim predict`: the patient's predictions under each option. */
export async function runPredict(a: PredictInputs, engine: Engine, ctx: AppContext = SCRIPT_CONTEXT): Promise<PredictResult> {
  if (!(a.sdObs > 0 && Number.isFinite(a.sdObs))) throw new UserError(`--sd-obs: expected a positive number of SALT points, got ${a.sdObs}`);
  const s = a.scenarioValue ?? predictScenario(a.scenario);
  const ids = s.catalog.map((d) => d.id);
  const facts = a.patientDoc !== undefined ? validatePatient(a.patientDoc, a.patient, ids) : loadPatient(a.patient, ids);
  const options = optionsFor(s, facts);
  if (options.length === 0) throw new UserError(`${a.patient}: expected a history that leaves an option (the catalog has no other drug)`);
  const spec = predictSpec(s, facts, a.sdObs, options, a.patient);
  const compiled = compileScenario({ ...s, patients: a.draws, seed: a.seed });
  const acc = await engine.predict(compiled, spec, ctx.onProgress);
  const ess = essOf(acc[0], acc[1]);
  if (!(ess >= MIN_ESS)) {
    throw new UserError(`${a.patient}: the history is too unlikely under the model for ${a.draws} draws: effective sample size ${ess.toFixed(1)}, below ${MIN_ESS}. `
      + 'Check the SALT scores and the drugs, raise --draws, or raise --sd-obs if the scores are noisier than the model assumes');
  }
  const lay = predictLayout(spec);
  const results = options.map((o, i) => optionResult(acc, lay, i, o.name, ess));
  const rankMonth = Math.min(RANK_MONTH, spec.months);
  const ranking = results.map((r) => ({ option: r.option, month: rankMonth, rate: r.responseBy[rankMonth - 1].rate }))
    .sort((x, y) => y.rate - x.rate);
  return {
    ess: Math.round(ess * 10) / 10, now: facts.now, draws: a.draws, sdObs: a.sdObs, seed: a.seed, threshold: s.responseThreshold,
    months: spec.months, rhoClass: s.correlation.rhoClass, options: results, ranking,
  };
}
