// The calibration's parameterisation: which quantities are free, the optimiser's standardised vector and the
// natural one (mu, log tau, log sigma, betaVerySevere), decoding to drug parameters and globals, start values.
import type { Globals } from '../model/scenario.js';
import { normalQuantile } from '../stats/special.js';
import type { CalibrationPoint } from './data.js';

/** Which quantities are free: per drug mu, log tau for drugs with a time course, optionally betaVerySevere. */
export interface Parameterisation {
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
export function freeParameters(points: CalibrationPoint[], fit: { betaVerySevere?: boolean; sigma?: boolean } = {}): Parameterisation {
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
export function sigmaIndex(params: Parameterisation): number {
  return params.fitSigma ? params.drugs.length + params.ownTau.length : -1;
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

function globalsOf(params: Parameterisation, x: number[], base: Globals): { sigma: number; b: number } {
  return {
    sigma: params.fitSigma ? Math.exp(x[sigmaIndex(params)]) : base.sigma,
    b: params.fitBetaVerySevere ? x[x.length - 1] : base.betaVerySevere,
  };
}

/** Internal (optimiser) vector -> natural vector. Only the first drugs.length entries differ. */
export function toNatural(params: Parameterisation, x: number[], base: Globals): number[] {
  const { sigma, b } = globalsOf(params, x, base);
  const cb = params.fitBetaVerySevere ? VERY_SEVERE_CENTRE * b : 0;
  return x.map((v, i) => (i < params.drugs.length ? MU_PIVOT + sigma * v - cb : v));
}

/** Natural vector -> internal (optimiser) vector. */
export function fromNatural(params: Parameterisation, v: number[], base: Globals): number[] {
  const { sigma, b } = globalsOf(params, v, base);
  const cb = params.fitBetaVerySevere ? VERY_SEVERE_CENTRE * b : 0;
  return v.map((u, i) => (i < params.drugs.length ? (u - MU_PIVOT + cb) / sigma : u));
}

/** Covariance of the natural vector from that of the internal one at x: J S J', J the Jacobian of toNatural. */
export function naturalCovariance(params: Parameterisation, s: number[][], x: number[], base: Globals): number[][] {
  const n = s.length;
  const { sigma } = globalsOf(params, x, base);
  const J: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let i = 0; i < params.drugs.length; i++) {
    J[i][i] = sigma;
    if (params.fitSigma) J[i][sigmaIndex(params)] = sigma * x[i];
    if (params.fitBetaVerySevere) J[i][n - 1] = -VERY_SEVERE_CENTRE;
  }
  const JS = J.map((row) => s[0].map((_, j) => row.reduce((acc, v, k) => acc + v * s[k][j], 0)));
  return JS.map((row) => J.map((jr) => row.reduce((acc, v, k) => acc + v * jr[k], 0)));
}

/** Decode an internal (optimiser) vector; `tauClass` fixes the class tau (else the geometric mean of the own taus). */
export function decode(params: Parameterisation, xInternal: number[], base: Globals, fixedTauClass?: number): Decoded {
  const x = toNatural(params, xInternal, base);
  const mu = new Map(params.drugs.map((d, i) => [d, x[i]]));
  const logTaus = params.ownTau.map((_, j) => x[params.drugs.length + j]);
  const tauClass = fixedTauClass ?? (logTaus.length ? Math.exp(logTaus.reduce((a, b) => a + b, 0) / logTaus.length) : DEFAULT_TAU_CLASS);
  const tau = new Map(params.drugs.map((d) => [d, tauClass]));
  params.ownTau.forEach((d, j) => tau.set(d, Math.exp(logTaus[j])));
  const globals = params.fitBetaVerySevere ? { ...base, betaVerySevere: x[x.length - 1] } : { ...base };
  if (params.fitSigma) globals.sigma = Math.exp(x[sigmaIndex(params)]);
  return { mu, tau, tauClass, globals };
}

/**
 * A start vector: mu from the best published rate of the drug (a patient
 * responds roughly when L > 0.8, and L has spread about 1), tau 5 months,
 * betaVerySevere at the model default.
 */
export function initialVector(params: Parameterisation, points: CalibrationPoint[], base: Globals): number[] {
  const mu = params.drugs.map((d) => {
    const p = Math.max(...points.filter((q) => q.drug === d).map((q) => q.salt20));
    return MU_PIVOT + normalQuantile(Math.min(0.95, Math.max(0.01, p)));
  });
  return fromNatural(params, [...mu, ...params.ownTau.map(() => Math.log(5)),
    ...(params.fitSigma ? [Math.log(base.sigma)] : []), ...(params.fitBetaVerySevere ? [base.betaVerySevere] : [])], base);
}
