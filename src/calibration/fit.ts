// Maximum-likelihood calibration of drug parameters to published trial arms (MODEL.md "Trial mode").
import type { Engine } from '../engine/pool.js';
import { wilson } from '../engine/intervals.js';
import type { Drug, Globals, Population } from '../model/scenario.js';
import { phi, Z95 } from '../model/normal.js';
import { streamFor } from '../rng/streams.js';
import { armRate, simulateArm, type ArmCounts } from './arm.js';
import {
  aeRates, calibrationPoints, moleculeOf, monthlyPrices, trialPopulation,
  type CalibrationPoint, type TrialData,
} from './data.js';
import { chiSquareUpperTail, degreesOfFreedom, pointDeviance, residualSe } from './likelihood.js';
import { nelderMead, type Minimum } from './nelderMead.js';
import { choleskyInverse, choleskySemidefinite } from './matrix.js';

/** Which quantities are free: per drug mu, log tau for drugs with a time course, optionally betaVerySevere. */
export interface ParamSpec {
  names: string[];
  drugs: string[];
  /** Drugs with their own tau: at least two distinct weeks in one population. */
  ownTau: string[];
  fitBetaVerySevere: boolean;
  /** sigma, on the log scale: fitted where SALT <= 10 is published beside SALT <= 20 (their ratio measures the spread of G). */
  fitSigma: boolean;
}

/** Parameter values decoded from a free vector. */
export interface Decoded {
  mu: Map<string, number>;
  tau: Map<string, number>;
  /** Class-level tau: geometric mean of the own taus; used by drugs without a time course. */
  tauClass: number;
  globals: Globals;
}

/** Class tau when no drug has a time course (the canonical benchmark's middle value). */
export const DEFAULT_TAU_CLASS = 5;

/**
 * The free parameters the data identify: mu per drug; log tau for a drug with
 * a time course (at least two distinct weeks reported exactly, not 'approx',
 * in one population), the others tied to the class tau; betaVerySevere where
 * an arm is split by baseline band; log sigma where at least two arms report
 * SALT <= 10 beside SALT <= 20 (unless `fit` says otherwise).
 */
export function paramSpec(points: CalibrationPoint[], fit: { betaVerySevere?: boolean; sigma?: boolean } = {}): ParamSpec {
  const drugs = [...new Set(points.map((p) => p.drug))];
  const ownTau = drugs.filter((d) => {
    const byPop = new Map<string, Set<number>>();
    for (const p of points) if (p.drug === d && !p.approx) byPop.set(p.population, (byPop.get(p.population) ?? new Set()).add(p.week));
    return [...byPop.values()].some((w) => w.size >= 2);
  });
  const fitB = fit.betaVerySevere ?? points.some((p) => p.bandIndex >= 0);
  const fitS = fit.sigma ?? points.filter((p) => p.salt10 !== undefined).length >= 2;
  const names = [...drugs.map((d) => `mu[${d}]`), ...ownTau.map((d) => `logTau[${d}]`),
    ...(fitS ? ['logSigma'] : []), ...(fitB ? ['betaVerySevere'] : [])];
  return { names, drugs, ownTau, fitBetaVerySevere: fitB, fitSigma: fitS };
}

/** Index of log sigma in the vector, or -1. */
export function sigmaIndex(spec: ParamSpec): number {
  return spec.fitSigma ? spec.drugs.length + spec.ownTau.length : -1;
}

/**
 * The optimiser works with standardised drug effects m_d, where
 *     mu_d = MU_PIVOT + sigma m_d - C betaVerySevere,
 * C = VERY_SEVERE_CENTRE (about the share with SALT >= 95 across the trials)
 * and MU_PIVOT about the L a patient needs to respond. An arm's response is
 * roughly Phi((mu_d + C betaVerySevere - MU_PIVOT) / sigma), so moving sigma
 * or betaVerySevere with m fixed leaves it about where it was. Without this,
 * the globals and every mu_d form narrow diagonal valleys that coordinate
 * search crosses only slowly. The natural vector (mu_d, log tau_d, log sigma,
 * betaVerySevere) is what is reported.
 */
export const VERY_SEVERE_CENTRE = 0.55;
export const MU_PIVOT = 0.8;

function globalsOf(spec: ParamSpec, x: number[], base: Globals): { sigma: number; b: number } {
  return {
    sigma: spec.fitSigma ? Math.exp(x[sigmaIndex(spec)]) : base.sigma,
    b: spec.fitBetaVerySevere ? x[x.length - 1] : base.betaVerySevere,
  };
}

/** Internal (optimiser) vector -> natural vector. Only the first drugs.length entries differ. */
export function toNatural(spec: ParamSpec, x: number[], base: Globals): number[] {
  const { sigma, b } = globalsOf(spec, x, base);
  const cb = spec.fitBetaVerySevere ? VERY_SEVERE_CENTRE * b : 0;
  return x.map((v, i) => (i < spec.drugs.length ? MU_PIVOT + sigma * v - cb : v));
}

/** Natural vector -> internal (optimiser) vector. */
export function fromNatural(spec: ParamSpec, v: number[], base: Globals): number[] {
  const { sigma, b } = globalsOf(spec, v, base);
  const cb = spec.fitBetaVerySevere ? VERY_SEVERE_CENTRE * b : 0;
  return v.map((u, i) => (i < spec.drugs.length ? (u - MU_PIVOT + cb) / sigma : u));
}

/** Covariance of the natural vector from that of the internal one at x: J S J', J the Jacobian of toNatural. */
export function naturalCovariance(spec: ParamSpec, s: number[][], x: number[], base: Globals): number[][] {
  const n = s.length;
  const { sigma } = globalsOf(spec, x, base);
  const J: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let i = 0; i < spec.drugs.length; i++) {
    J[i][i] = sigma;
    if (spec.fitSigma) J[i][sigmaIndex(spec)] = sigma * x[i];
    if (spec.fitBetaVerySevere) J[i][n - 1] = -VERY_SEVERE_CENTRE;
  }
  const JS = J.map((row) => s[0].map((_, j) => row.reduce((acc, v, k) => acc + v * s[k][j], 0)));
  return JS.map((row) => J.map((jr) => row.reduce((acc, v, k) => acc + v * jr[k], 0)));
}

/** Decode an internal (optimiser) vector; `tauClass` fixes the class tau (else the geometric mean of the own taus). */
export function decode(spec: ParamSpec, xInternal: number[], base: Globals, fixedTauClass?: number): Decoded {
  const x = toNatural(spec, xInternal, base);
  const mu = new Map(spec.drugs.map((d, i) => [d, x[i]]));
  const logTaus = spec.ownTau.map((_, j) => x[spec.drugs.length + j]);
  const tauClass = fixedTauClass ?? (logTaus.length ? Math.exp(logTaus.reduce((a, b) => a + b, 0) / logTaus.length) : DEFAULT_TAU_CLASS);
  const tau = new Map(spec.drugs.map((d) => [d, tauClass]));
  spec.ownTau.forEach((d, j) => tau.set(d, Math.exp(logTaus[j])));
  const globals = spec.fitBetaVerySevere ? { ...base, betaVerySevere: x[x.length - 1] } : { ...base };
  if (spec.fitSigma) globals.sigma = Math.exp(x[sigmaIndex(spec)]);
  return { mu, tau, tauClass, globals };
}

/** Phi^-1 by bisection on phi, for start values only (1e-10 accuracy is plenty). */
function probit(p: number): number {
  let lo = -8;
  let hi = 8;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * A start vector: mu from the best published rate of the drug (a patient
 * responds roughly when L > 0.8, and L has spread about 1), tau 5 months,
 * betaVerySevere at the model default.
 */
export function initialVector(spec: ParamSpec, points: CalibrationPoint[], base: Globals): number[] {
  const mu = spec.drugs.map((d) => {
    const p = Math.max(...points.filter((q) => q.drug === d).map((q) => q.salt20));
    return 0.8 + probit(Math.min(0.95, Math.max(0.01, p)));
  });
  return fromNatural(spec, [...mu, ...spec.ownTau.map(() => Math.log(5)),
    ...(spec.fitSigma ? [Math.log(base.sigma)] : []), ...(spec.fitBetaVerySevere ? [base.betaVerySevere] : [])], base);
}

/** A simulated (population, drug) pair and the weeks at which it is read. */
interface Combo { population: string; drug: string; weeks: number[] }

export interface CalibrationOptions {
  engine: Engine;
  /** Simulated patients per (population, drug) arm. */
  patients: number;
  seed: number;
  /** Nelder-Mead starts: the heuristic start, then seeded perturbations of it. */
  starts: number;
  /** Objective evaluations of the final joint Nelder-Mead polish. */
  maxEvals: number;
  /** Block-coordinate sweeps per start (default 5). */
  maxSweeps?: number;
  /** Globals not fitted (and the start of those fitted). */
  globals: Globals;
  /**
   * Class tau for drugs without a time course, months. Default: fitted first
   * from the arms of the drugs with a time course alone (see calibrate).
   */
  tauClass?: number;
  /** Override which globals are fitted (default: those the data identify, see paramSpec). */
  fit?: { betaVerySevere?: boolean; sigma?: boolean };
  /** Profile-likelihood intervals (mu, taus, class tau, betaVerySevere; default true). */
  profile?: boolean;
  /** Parameter draws from the fitted normal approximation for prediction intervals. */
  draws?: number;
  log?: (message: string) => void;
}

export interface PointFit extends CalibrationPoint {
  sim20: number;
  sim10: number;
  /** 95% interval of the simulated rate over parameter uncertainty. */
  sim20Lo: number;
  sim20Hi: number;
  sim10Lo: number;
  sim10Hi: number;
  /** Published 95% Wilson interval (on nEff). */
  pub20Lo: number;
  pub20Hi: number;
  residual20: number;
  residual10?: number;
  withinPublished: boolean;
  deviance: number;
}

export interface ParameterEstimate {
  name: string;
  estimate: number;
  /** 95% interval; null where the profile reaches a search bound without rising by 3.84 (not bounded by the data). */
  lo: number | null;
  hi: number | null;
  /** Standard error on the fitted scale (mu, betaVerySevere: linear; tau: log). */
  se: number;
  kind: 'fitted' | 'tied' | 'fixed';
  note?: string;
}

export interface CalibrationResult {
  dataVersion: string;
  seed: number;
  patients: number;
  spec: ParamSpec;
  x: number[];
  deviance: number;
  dataDf: number;
  df: number;
  pValue: number;
  starts: (Minimum & { start: number[] })[];
  evals: number;
  /** Natural vector (mu, log tau, betaVerySevere; names in spec.names) and its covariance, from the observed information. */
  covariance: number[][];
  hessianRegularised: boolean;
  estimates: ParameterEstimate[];
  catalog: Drug[];
  globals: Globals;
  points: PointFit[];
  /** Simulated SALT <= 20 (Monte Carlo Wilson interval) and <= 10 by week, per simulated arm. */
  curves: ResponseCurve[];
  /** Class tau used for the drugs without a time course, months. */
  tauClass: number;
  populations: Record<string, Population>;
}

export interface ResponseCurve {
  population: string;
  drug: string;
  weeks: { week: number; salt20: number; lo: number; hi: number; salt10: number }[];
}

/** Response curves run from week 0 to CURVE_WEEKS in steps of CURVE_STEP_WEEKS. */
export const CURVE_WEEKS = 104;
export const CURVE_STEP_WEEKS = 4;

/** Everything the objective needs, built once from the data. */
export class CalibrationProblem {
  readonly points: CalibrationPoint[];
  readonly spec: ParamSpec;
  readonly combos: Combo[];
  readonly populations: Record<string, Population>;
  readonly aeRate: Map<string, number>;
  evals = 0;

  constructor(readonly data: TrialData, readonly options: CalibrationOptions) {
    this.points = calibrationPoints(data);
    this.spec = paramSpec(this.points, options.fit);
    const combos = new Map<string, Combo>();
    for (const p of this.points) {
      const key = `${p.population}|${p.drug}`;
      const c = combos.get(key) ?? { population: p.population, drug: p.drug, weeks: [] };
      if (!c.weeks.includes(p.week)) c.weeks.push(p.week);
      combos.set(key, c);
    }
    this.combos = [...combos.values()];
    for (const c of this.combos) c.weeks.sort((a, b) => a - b);
    this.populations = Object.fromEntries(
      [...new Set(this.points.map((p) => p.population))].map((name) => [name, trialPopulation(data.populations[name])]));
    this.aeRate = aeRates(data, this.spec.drugs);
  }

  drugOf(d: Decoded, id: string): Drug {
    return { id, molecule: moleculeOf(id), mu: d.mu.get(id)!, tau: d.tau.get(id)!, aeRate: this.aeRate.get(id)! };
  }

  /**
   * Simulate the (population, drug) arms at x (all, or those of `drugs`);
   * arm i always uses seed + i, so every x sees the same draws.
   */
  async simulate(x: number[], drugs?: Set<string>, weeksFor?: (c: Combo) => number[]): Promise<(ArmCounts | undefined)[]> {
    const d = decode(this.spec, x, this.options.globals, this.options.tauClass);
    this.evals++;
    return Promise.all(this.combos.map((c, i) => (drugs && !drugs.has(c.drug) ? undefined : simulateArm(this.options.engine, {
      population: this.populations[c.population],
      drug: this.drugOf(d, c.drug),
      globals: d.globals,
      weeks: weeksFor ? weeksFor(c) : c.weeks,
      patients: this.options.patients,
      seed: this.options.seed + i,
    }))));
  }

  /** Simulated SALT <= 20 and <= 10 rates of each point (NaN for points of arms not simulated). */
  simulatedRates(arms: (ArmCounts | undefined)[]): { sim20: number; sim10: number }[] {
    const index = new Map(this.combos.map((c, i) => [`${c.population}|${c.drug}`, i]));
    return this.points.map((p) => {
      const arm = arms[index.get(`${p.population}|${p.drug}`)!];
      if (!arm) return { sim20: NaN, sim10: NaN };
      const w = arm.weeks.indexOf(p.week);
      const r20 = armRate(arm, w, 0, p.bandIndex);
      const r10 = armRate(arm, w, 1, p.bandIndex);
      return { sim20: r20.x / r20.n, sim10: r10.x / r10.n };
    });
  }

  /**
   * Deviance at x (the objective: minus twice the log-likelihood up to a
   * constant), over all points or the points of `drugs`.
   */
  async deviance(x: number[], drugs?: Set<string>): Promise<number> {
    const rates = this.simulatedRates(await this.simulate(x, drugs));
    let dev = 0;
    this.points.forEach((p, i) => { if (!drugs || drugs.has(p.drug)) dev += pointDeviance(p, rates[i].sim20, rates[i].sim10); });
    return dev;
  }

  /** Indices of the fitted globals (log sigma, betaVerySevere) in the vector. */
  globalIndices(): number[] {
    return [sigmaIndex(this.spec), this.spec.fitBetaVerySevere ? this.spec.names.length - 1 : -1].filter((i) => i >= 0);
  }

  /**
   * Minimise over the globals the deviance with every drug refitted given
   * them (one block sweep from x each time, so it is a fixed function of the
   * globals): Nelder-Mead in 1-2 dimensions. Returns the best full vector.
   */
  async nestedGlobals(x0: number[]): Promise<{ x: number[]; f: number }> {
    const idx = this.globalIndices();
    let best = { x: x0, f: await this.deviance(x0) };
    if (idx.length === 0) return best;
    await nelderMead(async (v) => {
      const y = x0.slice();
      idx.forEach((k, n) => { y[k] = v[n]; });
      const r = await this.blockDescent(y, 1, true);
      if (r.f < best.f) best = { x: r.x, f: r.f };
      return r.f;
    }, idx.map((k) => x0[k]), { step: idx.map(() => 0.2), maxEvals: 25 * idx.length, fTol: 1e-3, xTol: 5e-3 });
    return best;
  }

  /**
   * Block coordinate descent from x: per drug, Nelder-Mead over its mu (and
   * log tau) on the deviance of the arms it affects (a drug with its own tau
   * also moves the class tau, hence the tied drugs); then betaVerySevere on
   * the whole deviance; sweeps until the deviance falls by less than 0.01.
   * The likelihood is a sum over drugs given the globals, so each step is a
   * small, cheap problem.
   */
  async blockDescent(x0: number[], maxSweeps: number, fixGlobals = false): Promise<{ x: number[]; f: number; sweeps: number }> {
    const { spec } = this;
    const x = x0.slice();
    const nd = spec.drugs.length;
    // With a fixed class tau, an own tau moves only its own drug's arms.
    const tied = this.options.tauClass === undefined ? spec.drugs.filter((d) => !spec.ownTau.includes(d)) : [];
    let f = await this.deviance(x);
    let sweeps = 0;
    for (; sweeps < maxSweeps; sweeps++) {
      const before = f;
      for (let i = 0; i < nd; i++) {
        const id = spec.drugs[i];
        const j = spec.ownTau.indexOf(id);
        const idx = j >= 0 ? [i, nd + j] : [i];
        const affected = new Set(j >= 0 ? [id, ...tied] : [id]);
        const sub = (v: number[]) => { const y = x.slice(); idx.forEach((k, m) => { y[k] = v[m]; }); return y; };
        const m = await nelderMead((v) => this.deviance(sub(v), affected), idx.map((k) => x[k]),
          { step: idx.map((k) => (k < nd ? 0.25 : 0.2)), maxEvals: 60 * idx.length, fTol: 1e-4, xTol: 1e-3 });
        idx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      const globalIdx = fixGlobals ? [] : this.globalIndices();
      if (globalIdx.length) {
        const m = await nelderMead((v) => { const y = x.slice(); globalIdx.forEach((k, n) => { y[k] = v[n]; }); return this.deviance(y); },
          globalIdx.map((k) => x[k]), { step: globalIdx.map(() => 0.25), maxEvals: 40 * globalIdx.length, fTol: 1e-4, xTol: 1e-3 });
        globalIdx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      f = await this.deviance(x);
      if (before - f < 0.01) { sweeps++; break; }
    }
    return { x, f, sweeps };
  }
}

/** Central-difference Hessian of an async function, step h[i] per coordinate. */
export async function hessian(f: (x: number[]) => Promise<number>, x: number[], h: number[]): Promise<number[][]> {
  const n = x.length;
  const at = (shifts: [number, number][]) => {
    const y = x.slice();
    for (const [i, s] of shifts) y[i] += s * h[i];
    return f(y);
  };
  const f0 = await f(x);
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const [fp, fm] = await Promise.all([at([[i, 1]]), at([[i, -1]])]);
    H[i][i] = (fp - 2 * f0 + fm) / (h[i] * h[i]);
    for (let j = 0; j < i; j++) {
      const [a, b, c, d] = await Promise.all([
        at([[i, 1], [j, 1]]), at([[i, 1], [j, -1]]), at([[i, -1], [j, 1]]), at([[i, -1], [j, -1]])]);
      H[i][j] = H[j][i] = (a - b - c + d) / (4 * h[i] * h[j]);
    }
  }
  return H;
}

/**
 * The class tau, from the arms of the drugs with a time course alone (their
 * mu, log tau and betaVerySevere fitted by block descent): the geometric mean
 * of their taus. Fitting it jointly would let the single-time-point arms,
 * which carry no information on onset speed but prefer whatever tau best
 * matches their SALT <= 10 / <= 20 ratios, drag the own taus with it (we saw
 * tau collapse to 0.05 months). DEFAULT_TAU_CLASS when no drug has a time course.
 */
export async function classTau(data: TrialData, options: CalibrationOptions): Promise<number> {
  return (await classTauFit(data, options)).tauClass;
}

/** The class-tau fit of classTau, with its problem, internal vector and deviance (for the profile of the class tau). */
export async function classTauFit(data: TrialData, options: CalibrationOptions): Promise<{ tauClass: number; problem?: CalibrationProblem; x?: number[]; f?: number }> {
  const own = paramSpec(calibrationPoints(data), options.fit).ownTau;
  if (own.length === 0) return { tauClass: DEFAULT_TAU_CLASS };
  const subset: TrialData = { ...data, arms: data.arms.filter((a) => own.includes(a.drug)) };
  const problem = new CalibrationProblem(subset, { ...options, tauClass: DEFAULT_TAU_CLASS });
  const b = await problem.blockDescent(initialVector(problem.spec, problem.points, options.globals), options.maxSweeps ?? 5);
  const nd = problem.spec.drugs.length;
  const logTaus = problem.spec.ownTau.map((_, j) => b.x[nd + j]);
  return { tauClass: Math.exp(logTaus.reduce((a, v) => a + v, 0) / logTaus.length), problem, x: b.x, f: b.f };
}

/** Rise of the deviance that ends a 95% profile-likelihood interval: the 0.95 quantile of chi-square with 1 df. */
export const CHI2_1_95 = 3.841458820694124;

/** A side is searched again when the profile minimum found later lies more than this below its reference. */
const REFERENCE_TOLERANCE = 0.05;

export interface ProfileInterval {
  lo: number | null;
  hi: number | null;
  /** Search bounds; an edge that reaches one is open (null). */
  bounds: [number, number];
  /** Minimum of the profile found (the reference of the 3.84 rise), and where. */
  fMin: number;
  argMin: number;
  /** Profile evaluations (each re-optimises the other parameters). */
  points: number;
}

/**
 * 95% profile-likelihood interval of one parameter from its profile p(v)
 * (the deviance with the other parameters re-optimised at v): the set where
 * p rises by at most 3.84 over its minimum. Each side is bracketed from the
 * estimate by steps that double (first `step`) until the rise reaches 3.84
 * or the search bound is met (the edge is then open: null), then the crossing
 * is found by bisection to `tol`. The reference minimum is the lowest profile
 * value seen: a profile point below the estimate's moves it down, and a side
 * searched before it turned up is searched again from the new minimum.
 */
export async function profileInterval(
  p: (v: number, side: -1 | 1) => Promise<number>, v0: number, step: number, bounds: [number, number], tol: number,
): Promise<ProfileInterval> {
  let count = 1;
  let fMin = await p(v0, 1);
  let argMin = v0;
  const evalAt = async (v: number, side: -1 | 1) => {
    count++;
    const f = await p(v, side);
    if (f < fMin) { fMin = f; argMin = v; }
    return f;
  };
  const edge = async (side: -1 | 1): Promise<number | null> => {
    const bound = side < 0 ? bounds[0] : bounds[1];
    const from = argMin;
    let inner = from;
    let outer = NaN;
    for (let d = step; ; d *= 2) {
      const v = side < 0 ? Math.max(bound, from - d) : Math.min(bound, from + d);
      if (await evalAt(v, side) - fMin >= CHI2_1_95) { outer = v; break; }
      inner = v;
      if (v === bound) break;
    }
    if (Number.isNaN(outer)) return null;
    while (Math.abs(outer - inner) > tol) {
      const mid: number = (inner + outer) / 2;
      if (await evalAt(mid, side) - fMin >= CHI2_1_95) outer = mid; else inner = mid;
    }
    return (inner + outer) / 2;
  };
  let lo = await edge(-1);
  let refLo = fMin;
  let hi = await edge(1);
  let refHi = fMin;
  // A side searched before a lower profile value turned up is searched again from the new minimum.
  for (let pass = 0; pass < 2 && (refLo - fMin > REFERENCE_TOLERANCE || refHi - fMin > REFERENCE_TOLERANCE); pass++) {
    if (refLo - fMin > REFERENCE_TOLERANCE) { lo = await edge(-1); refLo = fMin; }
    if (refHi - fMin > REFERENCE_TOLERANCE) { hi = await edge(1); refHi = fMin; }
  }
  return { lo, hi, bounds, fMin, argMin, points: count };
}

/** Search bounds of the profiles: mu within MU_PROFILE_RANGE of its estimate, tau within TAU_PROFILE_BOUNDS months. */
export const MU_PROFILE_RANGE = 8;
export const TAU_PROFILE_BOUNDS: [number, number] = [0.2, 60];

export interface ProfiledInterval {
  lo: number | null;
  hi: number | null;
  note: string;
  /** The note is complete (an interval read back from a catalog file): keep it as it is. */
  verbatim?: boolean;
}

function profileNote(r: ProfileInterval, f0: number, scale: (v: number) => number, unit: string, nuisance: string): string {
  const open = [r.lo === null ? `lower edge reaches the search bound ${scale(r.bounds[0]).toPrecision(3)}${unit}` : '',
    r.hi === null ? `upper edge reaches the search bound ${scale(r.bounds[1]).toPrecision(3)}${unit}` : '']
    .filter(Boolean).map((t) => `${t} with a deviance rise below 3.84: not bounded by the data`);
  const shift = f0 - r.fMin > 0.01 ? `; profile minimum ${r.fMin.toFixed(2)} at ${scale(r.argMin).toPrecision(4)}, ${(f0 - r.fMin).toFixed(2)} below the estimate's` : '';
  return `profile-likelihood interval (deviance rise 3.84${nuisance ? `, ${nuisance} re-optimised` : ''}; ${r.points} profile points)${shift}${open.length ? `; ${open.join('; ')}` : ''}`;
}

/**
 * Profile-likelihood intervals of each drug's mu and own tau (the deviance of
 * that drug's arms; the globals and the class tau held, the drug's other
 * parameter re-optimised by a 1-D Nelder-Mead warm-started from the previous
 * profile point), and of the class tau (the deviance of the class-tau fit's
 * arms as a function of the mean log own tau, the own mus and the contrasts
 * of the own log taus re-optimised, its betaVerySevere held).
 */
export async function profileDrugParameters(
  problem: CalibrationProblem, xInternal: number[], stage1?: { problem?: CalibrationProblem; x?: number[] },
  log: (m: string) => void = () => {},
): Promise<Map<string, ProfiledInterval>> {
  const { spec } = problem;
  const g = problem.options.globals;
  const nd = spec.drugs.length;
  const natural = toNatural(spec, xInternal, g);
  const out = new Map<string, ProfiledInterval>();
  const inner = { maxEvals: 40, fTol: 1e-4, xTol: 1e-3 };
  const logTauBounds: [number, number] = [Math.log(TAU_PROFILE_BOUNDS[0]), Math.log(TAU_PROFILE_BOUNDS[1])];
  for (let i = 0; i < nd; i++) {
    const id = spec.drugs[i];
    const drugs = new Set([id]);
    const j = spec.ownTau.indexOf(id);
    const dev = (mu: number, logTau?: number) => {
      const v = natural.slice();
      v[i] = mu;
      if (j >= 0 && logTau !== undefined) v[nd + j] = logTau;
      return problem.deviance(fromNatural(spec, v, g), drugs);
    };
    const f0 = await dev(natural[i], j >= 0 ? natural[nd + j] : undefined);
    const muBounds: [number, number] = [natural[i] - MU_PROFILE_RANGE, natural[i] + MU_PROFILE_RANGE];
    if (j < 0) {
      const r = await profileInterval((mu) => dev(mu), natural[i], 0.1, muBounds, 0.002);
      out.set(`mu[${id}]`, { lo: r.lo, hi: r.hi, note: profileNote(r, f0, (v) => v, '', '') });
      continue;
    }
    // mu with log tau re-optimised, and log tau with mu re-optimised; warm start from the last profile point of the same side.
    const warm = (start: number) => { const last = { [-1]: start, [1]: start } as Record<number, number>; return last; };
    const tauAt = warm(natural[nd + j]);
    const rMu = await profileInterval(async (mu, side) => {
      const m = await nelderMead(async ([t]) => dev(mu, t), [tauAt[side]], { step: [0.1], ...inner });
      tauAt[side] = m.x[0];
      return m.f;
    }, natural[i], 0.1, muBounds, 0.002);
    out.set(`mu[${id}]`, { lo: rMu.lo, hi: rMu.hi, note: profileNote(rMu, f0, (v) => v, '', 'log tau') });
    const muAt = warm(natural[i]);
    const rTau = await profileInterval(async (t, side) => {
      const m = await nelderMead(async ([mu]) => dev(mu, t), [muAt[side]], { step: [0.1], ...inner });
      muAt[side] = m.x[0];
      return m.f;
    }, natural[nd + j], 0.05, logTauBounds, 0.002);
    out.set(`tau[${id}]`, { lo: rTau.lo === null ? null : Math.exp(rTau.lo), hi: rTau.hi === null ? null : Math.exp(rTau.hi),
      note: profileNote(rTau, f0, Math.exp, ' months', 'mu') });
    log(`profile ${id}: mu ${rMu.lo?.toFixed(3) ?? 'open'} to ${rMu.hi?.toFixed(3) ?? 'open'}, tau ${rTau.lo === null ? 'open' : Math.exp(rTau.lo).toFixed(2)} to ${rTau.hi === null ? 'open' : Math.exp(rTau.hi).toFixed(2)}`);
  }
  const sp = stage1?.problem;
  const sx = stage1?.x;
  if (sp && sx && sp.spec.ownTau.length) {
    // Class tau: c = mean own log tau; nuisance = own mus and m - 1 contrasts d_k (log tau_k = c + d_k - mean d, d_0 = 0).
    const s = sp.spec;
    const snd = s.drugs.length;
    const m = s.ownTau.length;
    const sNat = toNatural(s, sx, sp.options.globals);
    const logTaus = s.ownTau.map((_, k) => sNat[snd + k]);
    const c0 = logTaus.reduce((a, v) => a + v, 0) / m;
    const contrasts0 = logTaus.slice(1).map((v) => v - logTaus[0]);
    const at = (c: number, nuis: number[]) => {
      const v = sNat.slice();
      for (let d = 0; d < snd; d++) v[d] = nuis[d];
      const dk = [0, ...nuis.slice(snd)];
      const mean = dk.reduce((a, b) => a + b, 0) / m;
      for (let k = 0; k < m; k++) v[snd + k] = c + dk[k] - mean;
      return sp.deviance(fromNatural(s, v, sp.options.globals));
    };
    const start = [...sNat.slice(0, snd), ...contrasts0];
    const last = { [-1]: start, [1]: start } as Record<number, number[]>;
    const f0 = await at(c0, start);
    const r = await profileInterval(async (c, side) => {
      const mm = await nelderMead((nuis) => at(c, nuis), last[side], { step: last[side].map(() => 0.1), maxEvals: 40 * last[side].length, fTol: 1e-4, xTol: 1e-3 });
      last[side] = mm.x;
      return mm.f;
    }, c0, 0.05, logTauBounds, 0.002);
    out.set('tauClass', { lo: r.lo === null ? null : Math.exp(r.lo), hi: r.hi === null ? null : Math.exp(r.hi),
      note: profileNote(r, f0, Math.exp, ' months', `on the arms of ${s.ownTau.join(', ')} (the class-tau fit, its betaVerySevere held), their mu${m > 1 ? ' and the spread of their log taus' : ''}`) });
  }
  return out;
}

/**
 * Profile-likelihood 95% interval of betaVerySevere: at b = b^ + j se
 * (j = -3..3, j != 0) every drug's parameters are refitted with b (and the
 * other globals) held, one block sweep (given the globals and the fixed class
 * tau the drugs are independent problems); the interval ends where the
 * profile deviance rises by 3.84 (chi-square 1 df, 95%), interpolated
 * linearly in the signed root of the rise, which is close to linear in b.
 */
export async function profileBetaVerySevere(
  problem: CalibrationProblem, xInternal: number[], fMin: number, se: number,
): Promise<{ lo: number; hi: number; points: { b: number; delta: number }[] }> {
  const bi = xInternal.length - 1;
  const natural = toNatural(problem.spec, xInternal, problem.options.globals);
  const b0 = natural[bi];
  const points: { b: number; delta: number }[] = [{ b: b0, delta: 0 }];
  for (const j of [-3, -2, -1, 1, 2, 3]) {
    const v = natural.slice();
    v[bi] = b0 + j * se;
    const r = await problem.blockDescent(fromNatural(problem.spec, v, problem.options.globals), 1, true);
    points.push({ b: v[bi], delta: r.f - fMin });
  }
  points.sort((a, b) => a.b - b.b);
  const root = (p: { b: number; delta: number }) => Math.sign(p.b - b0) * Math.sqrt(Math.max(0, p.delta));
  const target = Math.sqrt(3.841458820694124);
  const crossing = (side: 1 | -1) => {
    const pts = points.filter((p) => Math.sign(p.b - b0) === side || p.b === b0).sort((a, b) => side * (a.b - b.b));
    for (let k = 1; k < pts.length; k++) {
      const r0 = side * root(pts[k - 1]);
      const r1 = side * root(pts[k]);
      if (r1 >= target && r1 > r0) return pts[k - 1].b + ((target - r0) / (r1 - r0)) * (pts[k].b - pts[k - 1].b);
    }
    // Not reached within 3 se: extrapolate from the outermost point.
    const far = pts[pts.length - 1];
    const rf = side * root(far);
    return rf > 0 ? b0 + ((far.b - b0) * target) / rf : side * Infinity;
  };
  return { lo: crossing(-1), hi: crossing(1), points };
}

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
  const { spec, points } = problem;
  const f = (x: number[]) => problem.deviance(x);
  const x0 = initialVector(spec, points, options.globals);
  const rng = streamFor(options.seed, 1_000_000);
  const starts: CalibrationResult['starts'] = [];
  const step = spec.names.map((n) => (n.startsWith('logTau') ? 0.3 : 0.4));
  for (let s = 0; s < options.starts; s++) {
    const start = s === 0 ? x0 : x0.map((v, i) => v + step[i] * (2 * rng.uniform() - 1) * 1.5);
    const e0 = problem.evals;
    const b = await problem.blockDescent(start, options.maxSweeps ?? 5);
    log(`start ${s + 1}/${options.starts}: deviance ${b.f.toFixed(3)} after ${b.sweeps} sweep(s), ${problem.evals - e0} evaluations`);
    starts.push({ x: b.x, f: b.f, evals: problem.evals - e0, converged: b.sweeps < (options.maxSweeps ?? 5), start });
  }
  let best = starts.reduce((a, b) => (b.f < a.f ? b : a));
  // The globals by nested search: each value refits every drug (one sweep: given the globals and the class tau the drugs are independent).
  const nested = await problem.nestedGlobals(best.x);
  log(`nested search over the globals: deviance ${nested.f.toFixed(3)}`);
  if (nested.f < best.f) best = { ...best, x: nested.x, f: nested.f };
  // Polish: a joint Nelder-Mead from the best point with a small simplex (the blocks interact through the globals).
  const polish = await nelderMead(f, best.x, { step: step.map((s) => s / 4), maxEvals: options.maxEvals, fTol: 1e-4, xTol: 1e-3 });
  log(`joint polish: deviance ${polish.f.toFixed(3)} after ${polish.evals} evaluations`);
  if (polish.f < best.f) best = { ...polish, start: best.x };

  const H = await hessian(f, best.x, spec.names.map(() => HESSIAN_STEP));
  // Covariance = (H / 2)^-1: the deviance is -2 log L.
  const { inverse, ridge } = choleskyInverse(H.map((row) => row.map((v) => v / 2)));
  log(`information matrix${ridge > 0 ? ` regularised (ridge ${ridge.toPrecision(2)})` : ''}`);
  let intervals: Map<string, ProfiledInterval> | undefined;
  if (options.profile !== false) {
    const e0 = problem.evals + (stage1?.problem?.evals ?? 0);
    intervals = await profileDrugParameters(problem, best.x, stage1, log);
    log(`profile likelihood of mu and tau: ${problem.evals + (stage1?.problem?.evals ?? 0) - e0} evaluations; simulating draws and curves`);
  }
  const g = options.globals;
  const result = await assessFit(problem, toNatural(spec, best.x, g), naturalCovariance(spec, inverse, best.x, g), ridge > 0,
    starts.map((st) => ({ ...st, x: toNatural(spec, st.x, g), start: toNatural(spec, st.start, g) })), options, intervals);
  result.evals += stage1?.problem?.evals ?? 0;
  return result;
}

/**
 * Everything reported about a parameter vector x with covariance S: estimates
 * with intervals, each point beside its simulated value (and the 95% range
 * over parameter draws from N(x, S)), residuals, deviance, response curves.
 * `jaksim validate` calls it on a stored catalog without refitting.
 */
export async function assessFit(
  problem: CalibrationProblem, x: number[], covariance: number[][], hessianRegularised: boolean,
  starts: CalibrationResult['starts'], options: CalibrationOptions, intervals?: Map<string, ProfiledInterval>,
): Promise<CalibrationResult> {
  const { spec, points, data } = problem;
  const internal = fromNatural(spec, x, options.globals);
  const best = { x, f: await problem.deviance(internal) };
  const se = spec.names.map((_, i) => Math.sqrt(Math.max(0, covariance[i][i])));
  const d = decode(spec, internal, options.globals, options.tauClass);

  const estimates: ParameterEstimate[] = [];
  spec.drugs.forEach((id, i) => {
    estimates.push({ name: `mu[${id}]`, estimate: best.x[i], se: se[i], lo: best.x[i] - Z95 * se[i], hi: best.x[i] + Z95 * se[i], kind: 'fitted' });
  });
  const nd = spec.drugs.length;
  spec.ownTau.forEach((id, j) => {
    const v = best.x[nd + j];
    const s = se[nd + j];
    estimates.push({ name: `tau[${id}]`, estimate: Math.exp(v), se: s, lo: Math.exp(v - Z95 * s), hi: Math.exp(v + Z95 * s), kind: 'fitted' });
  });
  if (spec.ownTau.length) {
    // log tauClass = mean of the own log taus: variance 1' S 1 / m^2 over that block.
    const m = spec.ownTau.length;
    let v = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) v += covariance[nd + a][nd + b];
    const s = Math.sqrt(Math.max(0, v)) / m;
    const tied = spec.drugs.filter((id) => !spec.ownTau.includes(id));
    estimates.push({ name: 'tauClass', estimate: d.tauClass, se: s, lo: d.tauClass * Math.exp(-Z95 * s), hi: d.tauClass * Math.exp(Z95 * s), kind: 'tied',
      note: `geometric mean of the taus of ${spec.ownTau.join(', ')} fitted on their own arms; the tau of ${tied.join(', ') || 'no drug'} (a single time point each)` });
  }
  if (spec.fitSigma) {
    const i = sigmaIndex(spec);
    estimates.push({ name: 'sigma', estimate: Math.exp(best.x[i]), se: se[i], lo: Math.exp(best.x[i] - Z95 * se[i]), hi: Math.exp(best.x[i] + Z95 * se[i]), kind: 'fitted' });
  }
  if (spec.fitBetaVerySevere) {
    const i = spec.names.length - 1;
    const e: ParameterEstimate = { name: 'betaVerySevere', estimate: best.x[i], se: se[i], lo: best.x[i] - Z95 * se[i], hi: best.x[i] + Z95 * se[i], kind: 'fitted' };
    if (!intervals?.has('betaVerySevere') && options.profile !== false && se[i] > 0) {
      const pr = await profileBetaVerySevere(problem, internal, best.f, se[i]);
      e.note = `profile-likelihood interval; Wald ${e.lo!.toFixed(3)} to ${e.hi!.toFixed(3)}; profile deviance rise ${pr.points.map((p) => `${p.b.toFixed(3)}: ${p.delta.toFixed(2)}`).join(', ')}`;
      e.lo = Number.isFinite(pr.lo) ? pr.lo : null;
      e.hi = Number.isFinite(pr.hi) ? pr.hi : null;
    }
    estimates.push(e);
  }
  // Profile-likelihood intervals replace the Wald ones (whose bounds the note keeps).
  for (const e of estimates) {
    const pr = intervals?.get(e.name);
    if (!pr) continue;
    const wald = e.lo !== null && e.hi !== null && !/profile/.test(e.note ?? '') ? `Wald ${fmtEdge(e.lo)} to ${fmtEdge(e.hi)}` : '';
    e.note = pr.verbatim ? pr.note : [pr.note, wald, e.kind === 'tied' ? e.note : ''].filter(Boolean).join('; ');
    e.lo = pr.lo;
    e.hi = pr.hi;
  }

  // Prediction intervals: simulated rates over parameter draws from N(x, covariance).
  const draws = options.draws ?? 20;
  const drawn: { sim20: number; sim10: number }[][] = [];
  const factor = choleskySemidefinite(covariance);
  const drawRng = streamFor(options.seed, 2_000_000);
  for (let k = 0; k < draws; k++) {
    const e = spec.names.map(() => drawRng.normal());
    const xk = best.x.map((v, i) => v + factor[i].reduce((acc, c, j) => acc + c * e[j], 0));
    drawn.push(problem.simulatedRates(await problem.simulate(fromNatural(spec, xk, options.globals))));
  }
  const fitted = problem.simulatedRates(await problem.simulate(internal));
  const grid = Array.from({ length: CURVE_WEEKS / CURVE_STEP_WEEKS + 1 }, (_, i) => i * CURVE_STEP_WEEKS);
  const curveArms = await problem.simulate(internal, undefined, () => grid);
  const curves: ResponseCurve[] = problem.combos.map((c, i) => ({
    population: c.population,
    drug: c.drug,
    weeks: grid.map((week, w) => {
      const arm = curveArms[i]!;
      const r20 = armRate(arm, w, 0, -1);
      const r10 = armRate(arm, w, 1, -1);
      const i20 = wilson(r20.x, r20.n);
      return { week, salt20: i20.rate, lo: i20.lo, hi: i20.hi, salt10: r10.x / r10.n };
    }),
  }));
  const quantile = (values: number[], q: number) => {
    const s = [...values].sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    const pos = q * (s.length - 1);
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
  };
  const pointFits: PointFit[] = points.map((p, i) => {
    const r = fitted[i];
    const pub = wilson(p.salt20 * p.nEff, p.nEff);
    const s20 = drawn.map((dr) => dr[i].sim20);
    const s10 = drawn.map((dr) => dr[i].sim10);
    return {
      ...p,
      sim20: r.sim20,
      sim10: r.sim10,
      sim20Lo: draws ? quantile(s20, 0.025) : r.sim20,
      sim20Hi: draws ? quantile(s20, 0.975) : r.sim20,
      sim10Lo: draws ? quantile(s10, 0.025) : r.sim10,
      sim10Hi: draws ? quantile(s10, 0.975) : r.sim10,
      pub20Lo: pub.lo,
      pub20Hi: pub.hi,
      residual20: residualSe(p.salt20, r.sim20, p.nEff),
      residual10: p.salt10 === undefined ? undefined : residualSe(p.salt10, r.sim10, p.nEff),
      withinPublished: r.sim20 >= pub.lo && r.sim20 <= pub.hi,
      deviance: pointDeviance(p, r.sim20, r.sim10),
    };
  });
  const dataDf = points.reduce((a, p) => a + degreesOfFreedom(p), 0);
  const df = dataDf - spec.names.length;
  const prices = monthlyPrices(data);
  const catalog = spec.drugs.map((id) => {
    const drug = problem.drugOf(d, id);
    const price = prices.get(id);
    return price === undefined ? drug : { ...drug, monthlyPrice: price };
  });
  return {
    dataVersion: data.version,
    seed: options.seed,
    patients: options.patients,
    spec,
    x: best.x,
    deviance: best.f,
    dataDf,
    df,
    pValue: df > 0 ? chiSquareUpperTail(best.f, df) : NaN,
    starts,
    evals: problem.evals,
    covariance,
    hessianRegularised,
    estimates,
    catalog,
    globals: d.globals,
    points: pointFits,
    curves,
    tauClass: d.tauClass,
    populations: problem.populations,
  };
}

const fmtEdge = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));
