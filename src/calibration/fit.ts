// The fit driver (MODEL.md "Trial mode"): the class tau first, then multi-start block descent, a nested
// search over the globals, a joint polish, the observed information, the profiles, and the assessment.
import { streamFor } from '../rng/streams.js';
import { inverseWithRidge } from '../stats/matrix.js';
import { assessFit, type CalibrationResult } from './assess.js';
import { mapConcurrent } from './concurrent.js';
import { calibrationPoints, type TrialData } from './data.js';
import { nelderMead } from './nelderMead.js';
import { DEFAULT_TAU_CLASS, freeParameters, initialVector, naturalCovariance, toNatural } from './parameters.js';
import { CalibrationProblem, type CalibrationOptions } from './problem.js';
import { profileDrugParameters, type ProfiledInterval } from './profile.js';

/** Central-difference Hessian of an async function, step h[i] per coordinate (its stencil's points evaluated together). */
export async function hessian(f: (x: number[]) => Promise<number>, x: number[], h: number[]): Promise<number[][]> {
  const n = x.length;
  const shifted = (shifts: [number, number][]) => {
    const y = x.slice();
    for (const [i, s] of shifts) y[i] += s * h[i];
    return y;
  };
  // The stencil: x, then per i the pair (+i, -i) and per j < i the four (+-i, +-j).
  const stencil: number[][] = [x];
  for (let i = 0; i < n; i++) {
    stencil.push(shifted([[i, 1]]), shifted([[i, -1]]));
    for (let j = 0; j < i; j++) stencil.push(shifted([[i, 1], [j, 1]]), shifted([[i, 1], [j, -1]]), shifted([[i, -1], [j, 1]]), shifted([[i, -1], [j, -1]]));
  }
  const values = await mapConcurrent(stencil, f);
  const f0 = values[0];
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let at = 1;
  for (let i = 0; i < n; i++) {
    const [fp, fm] = [values[at++], values[at++]];
    H[i][i] = (fp - 2 * f0 + fm) / (h[i] * h[i]);
    for (let j = 0; j < i; j++) {
      const [a, b, c, d] = [values[at++], values[at++], values[at++], values[at++]];
      H[i][j] = H[j][i] = (a - b - c + d) / (4 * h[i] * h[j]);
    }
  }
  return H;
}

/**
 * Central-difference Hessian with a step per coordinate fitted to the
 * function's own curvature: the deviance under common random numbers is a
 * finely stepped function, so a small fixed step measures its steps rather
 * than its curvature, and a large one (0.25 on a parameter of se 0.05)
 * measures the curvature five standard errors away. Starting from `h0`, each
 * coordinate's step is set to where a quadratic with the measured second
 * derivative rises by `rise` deviance units (h = sqrt(2 rise / H_ii)), clamped
 * to [hMin, hMax], for `rounds` rounds of the diagonal; then the full matrix at
 * those steps. Returns it with the steps used.
 */
export async function adaptiveHessian(
  f: (x: number[]) => Promise<number>, x: number[], o: { h0?: number; rise?: number; hMin?: number; hMax?: number; rounds?: number } = {},
): Promise<{ H: number[][]; steps: number[] }> {
  const { h0 = 0.25, rise = 2, hMin = 0.01, hMax = 1, rounds = 2 } = o;
  const f0 = await f(x);
  const steps = x.map(() => h0);
  for (let r = 0; r < rounds; r++) {
    // A coordinate's step depends only on its own pair: every pair of a round at once.
    const pairs = x.flatMap((_, i) => [1, -1].map((s) => { const y = x.slice(); y[i] += s * steps[i]; return y; }));
    const values = await mapConcurrent(pairs, f);
    for (let i = 0; i < x.length; i++) {
      const d2 = (values[2 * i] - 2 * f0 + values[2 * i + 1]) / (steps[i] * steps[i]);
      steps[i] = d2 > 0 ? Math.min(hMax, Math.max(hMin, Math.sqrt((2 * rise) / d2))) : hMax;
    }
  }
  return { H: await hessian(f, x, steps), steps };
}

/**
 * The class tau, from the arms of the drugs with a time course alone (their
 * mu, log tau and betaVerySevere fitted by block descent): the geometric mean
 * of their taus. Fitting it jointly would let the single-time-point arms,
 * which carry no information on onset speed but prefer whatever tau best
 * matches their SALT <= 10 / <= 20 ratios, drag the own taus with it (we saw
 * tau collapse to 0.05 months). DEFAULT_TAU_CLASS when no drug has a time course.
 * Returns it with its problem, internal vector and deviance (for the profile of the class tau).
 */
export async function classTauFit(data: TrialData, options: CalibrationOptions): Promise<{ tauClass: number; problem?: CalibrationProblem; x?: number[]; f?: number }> {
  const own = freeParameters(calibrationPoints(data), options.fit).ownTau;
  if (own.length === 0) return { tauClass: DEFAULT_TAU_CLASS };
  // The arms alone (version 2's subgroups and designs enter the main fit): onset speed from the time courses.
  const subset: TrialData = { ...data, arms: data.arms.filter((a) => own.includes(a.drug)), subgroups: [], maintenance: [], withdrawal: [], salt10: [] };
  const problem = new CalibrationProblem(subset, { ...options, tauClass: DEFAULT_TAU_CLASS });
  const b = await problem.blockDescent(initialVector(problem.params, problem.points, options.globals), options.maxSweeps ?? 5);
  const nd = problem.params.drugs.length;
  const logTaus = problem.params.ownTau.map((_, j) => b.x[nd + j]);
  return { tauClass: Math.exp(logTaus.reduce((a, v) => a + v, 0) / logTaus.length), problem, x: b.x, f: b.f };
}

/** A polish round gaining less deviance than this ends the polish. */
export const POLISH_MIN_GAIN = 0.5;

/** Step for the Hessian: large enough that common-random-number steps (1/patients) do not dominate. */
export const HESSIAN_STEP = 0.1;

/**
 * Fit: Nelder-Mead from several starts on the deviance (common random numbers
 * make it a fixed function of the parameters), then the observed information
 * at the best point (the covariance stored for parameter draws). Intervals
 * are profile-likelihood intervals (profileDrugParameters, and
 * profileBetaVerySevere in assessFit); with `profile: false`, Wald intervals
 * on the fitted scale (mu and betaVerySevere linear, tau on the log scale).
 */
export async function calibrate(data: TrialData, optionsIn: CalibrationOptions): Promise<CalibrationResult> {
  const log = optionsIn.log ?? (() => {});
  const options = { ...optionsIn };
  let stage1: Awaited<ReturnType<typeof classTauFit>> | undefined;
  if (options.tauClass === undefined) {
    stage1 = await classTauFit(data, options);
    options.tauClass = stage1.tauClass;
  }
  log(`class tau ${options.tauClass.toFixed(3)} months`);
  const problem = new CalibrationProblem(data, options);
  const { params, points } = problem;
  const f = (x: number[]) => problem.deviance(x);
  const x0 = initialVector(params, points, options.globals);
  const rng = streamFor(options.seed, 1_000_000);
  const starts: CalibrationResult['starts'] = [];
  const step = params.names.map((n) => (n.startsWith('logTau') ? 0.3 : 0.4));
  // The starts are independent searches: drawn in order, then searched at once (each its own evaluations).
  const startPoints = Array.from({ length: options.starts }, (_, s) => (s === 0 ? x0 : x0.map((v, i) => v + step[i] * (2 * rng.uniform() - 1) * 1.5)));
  const descents = await Promise.all(startPoints.map((start) => problem.blockDescent(start, options.maxSweeps ?? 5)));
  descents.forEach((b, s) => {
    log(`start ${s + 1}/${options.starts}: deviance ${b.f.toFixed(3)} after ${b.sweeps} sweep(s), ${b.evals} evaluations`);
    starts.push({ x: b.x, f: b.f, evals: b.evals, converged: b.sweeps < (options.maxSweeps ?? 5), start: startPoints[s] });
  });
  let best = starts.reduce((a, b) => (b.f < a.f ? b : a));
  // The globals by nested search: each value refits every drug (one sweep: given the globals and the class tau the drugs are independent).
  const nested = await problem.nestedGlobals(best.x);
  log(`nested search over the globals: deviance ${nested.f.toFixed(3)}`);
  if (nested.f < best.f) best = { ...best, x: nested.x, f: nested.f };
  // Polish: a joint Nelder-Mead from the best point with a small simplex (the blocks interact through the globals).
  // Restarted with a fresh simplex while it gains (a 25-dimensional simplex shrinks along the ridges between the
  // blocks long before their end: calibration v2 measured 65.0 -> 55.4 -> 53.2 over successive restarts).
  for (let r = 0; r < (options.polishRounds ?? 1); r++) {
    const polish = await nelderMead(f, best.x, { step: step.map((s) => s / 4), maxEvals: options.maxEvals, fTol: 1e-4, xTol: 1e-3 });
    log(`joint polish ${r + 1}: deviance ${polish.f.toFixed(3)} after ${polish.evals} evaluations`);
    const gain = best.f - polish.f;
    if (polish.f < best.f) best = { ...polish, start: best.x };
    if (gain < POLISH_MIN_GAIN) break;
  }

  const H = await hessian(f, best.x, params.names.map(() => HESSIAN_STEP));
  // Covariance = (H / 2)^-1: the deviance is -2 log L.
  const { inverse, ridge } = await inverseWithRidge(H.map((row) => row.map((v) => v / 2)));
  log(`information matrix${ridge > 0 ? ` regularised (ridge ${ridge.toPrecision(2)})` : ''}`);
  let intervals: Map<string, ProfiledInterval> | undefined;
  if (options.profile !== false) {
    const e0 = problem.evals + (stage1?.problem?.evals ?? 0);
    intervals = await profileDrugParameters(problem, best.x, stage1, log);
    log(`profile likelihood of mu and tau: ${problem.evals + (stage1?.problem?.evals ?? 0) - e0} evaluations; simulating draws and curves`);
  }
  const g = options.globals;
  const result = await assessFit(problem, toNatural(params, best.x, g), naturalCovariance(params, inverse, best.x, g), ridge > 0,
    starts.map((st) => ({ ...st, x: toNatural(params, st.x, g), start: toNatural(params, st.start, g) })), options, intervals);
  result.evals += stage1?.problem?.evals ?? 0;
  return result;
}
