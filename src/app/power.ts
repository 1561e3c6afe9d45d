// The power use case (issue 7): power and sample size by simulated trials (engine/powerTrials.ts), per n.
import type { Engine } from '../engine/pool.js';
import {
  ENDPOINT_CUMULATIVE, ENDPOINT_NON_RESPONSE, ENDPOINT_POINT, TEST_FISHER, TEST_NEWCOMBE, TEST_WELCH, TEST_Z,
  powerStride, type PowerTrialDesign,
} from '../engine/powerTrials.js';
import { powerCsv, powerJson, powerReportHtml, type EffectSummary, type EndpointKind, type PowerPoint, type PowerResult, type TestName } from '../io/powerReport.js';
import { writeResultFolder } from '../io/results.js';
import { loadScenario } from '../io/scenario.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import type { AppContext } from './context.js';
import { calibrationWarning, offDrugNote, offDrugPolicies, uncalibratedDrugs } from '../io/calibrated.js';
import { armSizes, buildPlan, type PowerInputs, type PowerPlan } from './powerPlan.js';
import { checkResultsFolder } from './run.js';
import { wilson } from '../stats/intervals.js';
import { quantileSorted } from '../stats/quantiles.js';
import { criticalZ } from '../stats/special.js';

const TEST_CODE: Record<TestName, number> = { z: TEST_Z, fisher: TEST_FISHER, newcombe: TEST_NEWCOMBE, welch: TEST_WELCH };
const ENDPOINT_CODE: Record<EndpointKind, number> = {
  cumulative: ENDPOINT_CUMULATIVE, point: ENDPOINT_POINT, nonresponse: ENDPOINT_NON_RESPONSE,
};

/** The simulated trial design at n patients; `nullDesign` gives both arms (every option) the first compared policy. */
export function trialDesign(plan: PowerPlan, n: number, nullDesign: boolean): PowerTrialDesign {
  const smart = plan.design === 'smart';
  const [nA] = smart ? [0] : armSizes(n, plan.ratio);
  const options = smart
    ? (nullDesign ? plan.optionIndex.map(() => plan.optionIndex[plan.compare[0]]) : plan.optionIndex)
    : [];
  return {
    smart,
    seed: plan.seed,
    n,
    endpoint: ENDPOINT_CODE[plan.endpoint.kind],
    endpointVisit: plan.endpoint.visit,
    armA: smart ? 0 : plan.armIndex[0],
    armB: smart ? 0 : nullDesign ? plan.armIndex[0] : plan.armIndex[1],
    nA,
    test: TEST_CODE[plan.test],
    sides: plan.sides,
    alpha: plan.alpha,
    critical: criticalZ(plan.alpha, plan.sides),
    options,
    decisionVisit: plan.decisionVisit,
    compareA: plan.compare[0],
    compareB: plan.compare[1],
  };
}

function summarizeEffect(values: number[]): EffectSummary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { mean: NaN, sd: NaN, q025: NaN, q25: NaN, q50: NaN, q75: NaN, q975: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  const q = (p: number) => quantileSorted(v, p);
  return { mean, sd, q025: q(0.025), q25: q(0.25), q50: q(0.5), q75: q(0.75), q975: q(0.975) };
}

/** Power, type I error, effect distribution and arm means at one n. */
export async function powerAt(engine: Engine, c: CompiledScenario, plan: PowerPlan, n: number): Promise<PowerPoint> {
  const design = trialDesign(plan, n, false);
  const stride = powerStride(design);
  // The design and its null at once: the second keeps both workers busy while the first one's last tasks finish.
  const [out, nullOut] = await Promise.all([
    engine.powerTrials(c, design, plan.trials),
    isNullPlan(plan) ? null : engine.powerTrials(c, trialDesign(plan, n, true), plan.trials),
  ]).then(([a, b]) => [a, b ?? a]);
  let rejects = 0;
  let nullRejects = 0;
  const effects: number[] = [];
  const ids = plan.design === 'smart' ? plan.options : plan.arms;
  const sums = new Float64Array(ids.length);
  const counts = new Float64Array(ids.length);
  for (let t = 0; t < plan.trials; t++) {
    const at = t * stride;
    rejects += out[at];
    nullRejects += nullOut[at];
    effects.push(out[at + 1]);
    for (let j = 0; j < ids.length; j++) {
      const x = out[at + 2 + j];
      if (Number.isFinite(x)) { sums[j] += x; counts[j]++; }
    }
  }
  const power = wilson(rejects, plan.trials);
  const typeI = wilson(nullRejects, plan.trials);
  const [nA, nB] = plan.design === 'smart' ? [null, null] : armSizes(n, plan.ratio);
  return {
    n, nA, nB, power: power.rate, lo: power.lo, hi: power.hi,
    typeIError: typeI.rate, typeILo: typeI.lo, typeIHi: typeI.hi,
    effect: summarizeEffect(effects),
    means: ids.map((id, j) => ({ id, mean: counts[j] > 0 ? sums[j] / counts[j] : NaN })),
  };
}

/** True when the design compares a policy with itself (then power is the type I error). */
export function isNullPlan(plan: PowerPlan): boolean {
  if (plan.design === 'parallel') return plan.armIndex[0] === plan.armIndex[1];
  return plan.optionIndex.every((i) => i === plan.optionIndex[plan.compare[0]]);
}

/**
 * The n where the piecewise-linear curve through (n_i, power_i) first reaches
 * `target`, between the last grid n below it and the first at or above it,
 * found by bisection on that segment (rounded up to a whole patient).
 */
export function interpolateSampleSize(points: { n: number; power: number }[], target: number): number | null {
  const i = points.findIndex((p) => p.power >= target);
  if (i < 0) return null;
  if (i === 0) return points[0].n;
  const a = points[i - 1];
  const b = points[i];
  let lo = a.n;
  let hi = b.n;
  const at = (n: number) => a.power + ((b.power - a.power) * (n - a.n)) / (b.n - a.n);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= target) hi = mid; else lo = mid;
  }
  return hi;
}

/** Bisection steps by simulation when the confirmation at the interpolated n falls short. */
const MAX_CONFIRM_RUNS = 5;

/**
 * The whole analysis: the power curve over plan.n, then the sample size
 * (interpolated on the curve, confirmed by a run at that n; if that run falls
 * short of the target, simulated bisection between it and the grid n that
 * reached it, at most MAX_CONFIRM_RUNS runs in all).
 */
export async function runPowerAnalysis(
  engine: Engine, c: CompiledScenario, plan: PowerPlan, onPoint?: (p: PowerPoint) => void,
): Promise<PowerResult> {
  const started = performance.now();
  // Every grid point at once (no worker waits between two points), reported in grid order; each point's
  // trials are its own streams, so the results do not depend on this.
  const pending = plan.n.map((n) => powerAt(engine, c, plan, n));
  for (const p of pending) p.catch(() => undefined); // a failure is met below, in order, not as unhandled
  const results: PowerPoint[] = [];
  for (const p of pending) {
    const point = await p;
    results.push(point);
    onPoint?.(point);
  }
  let sampleSize: number | null = null;
  let search: PowerResult['sampleSizeSearch'] = null;
  const guess = interpolateSampleSize(results, plan.target);
  if (guess !== null) {
    const idx = results.findIndex((p) => p.power >= plan.target);
    if (idx === 0) {
      sampleSize = results[0].n;
      search = { note: `the smallest n simulated already reaches the target: the sample size is ${results[0].n} or fewer`, runs: [] };
    } else if (guess === results[idx].n) {
      sampleSize = guess;
      search = { note: `the curve first reaches the target at the grid point n = ${guess}`, runs: [] };
    } else {
      const runs: PowerPoint[] = [];
      let lo = results[idx - 1].n;
      let hi = results[idx].n;
      let best = hi;
      let candidate = guess;
      for (let r = 0; r < MAX_CONFIRM_RUNS && candidate > lo && candidate < hi; r++) {
        const p = plan.n.includes(candidate) ? results[plan.n.indexOf(candidate)] : await powerAt(engine, c, plan, candidate);
        runs.push(p);
        if (p.power >= plan.target) { hi = candidate; best = candidate; } else lo = candidate;
        if (r === 0 && p.power >= plan.target) break; // confirmed at the interpolated n
        candidate = Math.floor((lo + hi) / 2);
      }
      sampleSize = best;
      const confirmed = runs.length > 0 && runs[0].n === guess && runs[0].power >= plan.target;
      search = {
        note: confirmed
          ? `interpolated on the curve at n = ${guess} and confirmed by a run at that n`
          : `interpolated at n = ${guess}; the run there fell short, so simulated bisection gave n = ${best}`,
        runs,
      };
    }
  }
  return {
    design: plan.design,
    scenario: plan.scenario,
    endpoint: plan.endpoint.label,
    test: plan.test,
    alpha: plan.alpha,
    sides: plan.sides,
    arms: plan.design === 'smart' ? plan.compare.map((j) => plan.options[j]) : plan.arms,
    ratio: plan.design === 'smart' ? null : `${plan.ratio[0]}:${plan.ratio[1]}`,
    options: plan.design === 'smart' ? plan.options : null,
    decisionMonth: plan.design === 'smart' ? plan.decisionMonth : null,
    compare: plan.design === 'smart' ? plan.compare.map((j) => plan.options[j]) : null,
    trials: plan.trials,
    seed: plan.seed,
    target: plan.target,
    results,
    sampleSize,
    sampleSizeSearch: search,
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

/** `jaksim power`: the plan checked against the scenario, the analysis, and power.json, power.csv, report.html. */
export async function runPower(
  inputs: PowerInputs & { out: string }, engine: Engine, ctx: AppContext,
): Promise<{ result: PowerResult; folder: string }> {
  const scenario = loadScenario(inputs.scenario);
  const plan = buildPlan(inputs, scenario);
  checkResultsFolder(inputs.out, scenario.name);
  // Warnings about the policies the trial compares (arms, or the SMART's options): console and report.
  const compared = { catalog: scenario.catalog, policies: [...new Set([...plan.armIndex, ...plan.optionIndex])].map((i) => scenario.policies[i]) };
  const warnings = [calibrationWarning(uncalibratedDrugs(compared)), offDrugNote(offDrugPolicies(compared))].filter((w): w is string => w !== null);
  for (const w of warnings) ctx.warn?.(w);
  // Progress in simulated patients over every trial of the grid (and its null twin); the sample-size
  // confirmation runs come after, beyond that total, so they show no ETA.
  const total = plan.n.reduce((t, n) => t + (isNullPlan(plan) ? 1 : 2) * plan.trials * n, 0);
  let done = 0;
  if (ctx.onProgress) engine.onSimulated = (patients) => ctx.onProgress!(done += patients, total);
  const result = await runPowerAnalysis(engine, compileScenario(scenario), plan);
  engine.onSimulated = undefined;
  const folder = writeResultFolder(inputs.out, scenario.name, {
    'power.json': powerJson(result, ctx.command),
    'power.csv': powerCsv(result),
    'report.html': await powerReportHtml(result, ctx.command, warnings, scenario),
  });
  return { result, folder };
}
