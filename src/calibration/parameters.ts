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
  /**
   * Version 2: drugs with a single time point that get their own log tau under a
   * prior centred on the class tau (TAU_PRIOR_SDLOG) rather than the class value
   * itself; their mu carries the prior MU_PRIOR too. Empty in version-1 fits.
   */
  priorTau: string[];
  /** Version 2: drugs with their own log escape rate (the maintenance arms speak of them); the others take the class value. */
  ownEscape: string[];
  fitBetaVerySevere: boolean;
  /** sigma, on the log scale: fitted where SALT <= 10 is published beside SALT <= 20 (their ratio measures the spread of G). */
  fitSigma: boolean;
  /** Version 2 globals, in this order after betaVerySevere: betaDur, logTauOff, logSTauOff, logK, logSTau (those fitted). */
  extraGlobals: ExtraGlobal[];
}

/** Version 2 globals a v2 data set identifies (see freeParameters). */
export type ExtraGlobal = 'betaDur' | 'logTauOff' | 'logSTauOff' | 'logK' | 'logSTau';

/** Parameter values decoded from a free vector. */
export interface Decoded {
  mu: Map<string, number>;
  tau: Map<string, number>;
  /** Class-level tau: geometric mean of the own taus; used by drugs without a time course. */
  tauClass: number;
  /** Escape rate per drug, per month (empty: none). */
  escapeRate: Map<string, number>;
  globals: Globals;
}

/** Class tau when no drug has a time course (the canonical benchmark's middle value). */
export const DEFAULT_TAU_CLASS = 5;

/**
 * Priors of the poorly identified drugs (version 2), as penalties added to the
 * deviance (-2 log prior): a drug with one time point has log tau ~
 * N(log tauClass, TAU_PRIOR_SDLOG^2), a factor 1.65 either way at one sd, and
 * mu ~ N(class mu, MU_PRIOR_SD^2), the class mu being the mean mu of the drugs with
 * a time course (baricitinib, ritlecitinib) at the same x: it moves with the
 * globals that set the mu scale (betaVerySevere, betaDur). A fixed centre
 * (MU_PRIOR_MEAN, version 1's high-dose mu) went stale once version 2 moved that
 * scale to about 2.3: at calibration v2's fit it cost 12.2 deviance points against
 * 3.8 with the class centre. Without priors deuruxolitinib's tau is the class
 * value by fiat and upadacitinib 30 mg's mu ran to 6.7 (version-1 catalog).
 */
export const TAU_PRIOR_SDLOG = 0.5;
/** Centre of the mu prior only where no drug has a time course; otherwise the class-level mu (classMu). */
export const MU_PRIOR_MEAN = 1.2;
export const MU_PRIOR_SD = 1;

/** Start of the version-2 globals' search where the model default is 0 (sTauOff). */
export const START_STAUOFF = 0.5;
/** Start of the log escape rates, per month (about 5% of responders lost per year). */
export const START_ESCAPE = 0.004;

/**
 * The free parameters the data identify: mu per drug; log tau for a drug with
 * a time course (at least two distinct weeks reported exactly, not 'approx',
 * in one population), the others tied to the class tau; betaVerySevere where
 * an arm is split by baseline band; log sigma where at least two arms report
 * SALT <= 10 beside SALT <= 20 (unless `fit` says otherwise). Version 2 data
 * add: log escape rate of the drugs of a maintenance arm; betaDur where
 * episode-duration subgroups are given; log tauOff and log sTauOff where
 * withdrawal arms are; log k and log sTau where points after week 100 are (the
 * late shape of onset); own log tau with a prior for single-time-point drugs.
 */
export function freeParameters(points: CalibrationPoint[], fit: FitSwitches = {}): Parameterisation {
  const drugs = [...new Set(points.flatMap((p) => p.drugs ?? [p.drug]))];
  // Time courses from the arms and the subgroups (version 2 moves BRAVE-AA's week 36 into its duration subgroups).
  const plain = points.filter((p) => (p.kind ?? 'arm') === 'arm' || p.kind === 'subgroup');
  const ownTau = drugs.filter((d) => {
    const byPop = new Map<string, Set<number>>();
    for (const p of plain) if (p.drug === d && !p.approx) byPop.set(p.population, (byPop.get(p.population) ?? new Set()).add(p.week));
    return [...byPop.values()].some((w) => w.size >= 2);
  });
  const v2 = points.some((p) => (p.kind ?? 'arm') !== 'arm');
  const priorTau = v2 && fit.priors !== false ? drugs.filter((d) => !ownTau.includes(d) && d !== 'placebo') : [];
  const ownEscape = fit.escape === false ? [] : [...new Set(points.filter((p) => p.kind === 'maintenance').flatMap((p) => p.drugs))].filter((d) => d !== 'placebo');
  const fitB = fit.betaVerySevere ?? points.some((p) => p.bandIndex >= 0);
  const fitS = fit.sigma ?? points.filter((p) => p.salt10 !== undefined).length >= 2;
  const extraGlobals: ExtraGlobal[] = [];
  if (fit.betaDur ?? points.some((p) => p.kind === 'subgroup')) extraGlobals.push('betaDur');
  if (fit.tauOff ?? points.some((p) => p.kind === 'withdrawal')) extraGlobals.push('logTauOff', 'logSTauOff');
  if (fit.onsetShape ?? points.some((p) => p.week > 100)) extraGlobals.push('logK', 'logSTau');
  const names = [...drugs.map((d) => `mu[${d}]`), ...ownTau.map((d) => `logTau[${d}]`), ...priorTau.map((d) => `logTau[${d}]`),
    ...ownEscape.map((d) => `logEscape[${d}]`), ...(fitS ? ['logSigma'] : []), ...(fitB ? ['betaVerySevere'] : []), ...extraGlobals];
  return { names, drugs, ownTau, priorTau, ownEscape, fitBetaVerySevere: fitB, fitSigma: fitS, extraGlobals };
}

/** Which globals to fit, overriding what the data identify (CalibrationOptions.fit). */
export interface FitSwitches {
  betaVerySevere?: boolean;
  sigma?: boolean;
  betaDur?: boolean;
  /** tauOff and sTauOff. */
  tauOff?: boolean;
  /** k and sTau. */
  onsetShape?: boolean;
  /** Escape rates of the maintenance drugs. */
  escape?: boolean;
  /** The version-2 priors of single-time-point drugs (off: their tau is the class value, their mu free). */
  priors?: boolean;
}

/** Index of log sigma in the vector, or -1. */
export function sigmaIndex(params: Parameterisation): number {
  return params.fitSigma ? params.drugs.length + params.ownTau.length + (params.priorTau?.length ?? 0) + (params.ownEscape?.length ?? 0) : -1;
}

/** Index of betaVerySevere in the vector, or -1. */
export function betaIndex(params: Parameterisation): number {
  if (!params.fitBetaVerySevere) return -1;
  return params.drugs.length + params.ownTau.length + (params.priorTau?.length ?? 0) + (params.ownEscape?.length ?? 0) + (params.fitSigma ? 1 : 0);
}

/** Index of a version-2 global, or -1. */
export function extraIndex(params: Parameterisation, g: ExtraGlobal): number {
  const j = (params.extraGlobals ?? []).indexOf(g);
  return j < 0 ? -1 : params.names.length - (params.extraGlobals ?? []).length + j;
}

/** Indices of every fitted global (log sigma, betaVerySevere, the version-2 globals). */
export function globalIndices(params: Parameterisation): number[] {
  const extra = (params.extraGlobals ?? []).map((g) => extraIndex(params, g));
  return [sigmaIndex(params), betaIndex(params), ...extra].filter((i) => i >= 0);
}

/** The globals searched by nested refits (calibration/problem.ts): log sigma and betaVerySevere, version 1's. */
export function nestedGlobalIndices(params: Parameterisation): number[] {
  return [sigmaIndex(params), betaIndex(params)].filter((i) => i >= 0);
}

/** The drugs whose mu sets the class-level mu: those with their own time course, placebo aside. */
function classDrugs(params: Parameterisation): string[] {
  return params.ownTau.filter((d) => d !== 'placebo');
}

/** Class-level mu at natural x: the mean mu of classDrugs (undefined without them). */
export function classMu(params: Parameterisation, x: number[]): number | undefined {
  const own = classDrugs(params);
  return own.length ? own.reduce((a, d) => a + x[params.drugs.indexOf(d)], 0) / own.length : undefined;
}

/**
 * The priors' penalty at internal x (0 without priors): over the drugs of
 * `drugs` when given (block steps see only their own terms).
 */
export function penalty(params: Parameterisation, xInternal: number[], base: Globals, tauClass: number | undefined, drugs?: Set<string>): number {
  const prior = params.priorTau ?? [];
  if (prior.length === 0) return 0;
  const x = toNatural(params, xInternal, base);
  const logClass = Math.log(tauClass ?? DEFAULT_TAU_CLASS);
  const nd = params.drugs.length;
  const muMean = classMu(params, x) ?? MU_PRIOR_MEAN;
  // The mu centre moves with the drugs of the class: a block step on one of them sees every mu term.
  const classMoved = drugs !== undefined && classDrugs(params).some((d) => drugs.has(d));
  let p = 0;
  prior.forEach((d, j) => {
    if (drugs && !drugs.has(d) && !classMoved) return;
    const mu = x[params.drugs.indexOf(d)];
    p += ((x[nd + params.ownTau.length + j] - logClass) / TAU_PRIOR_SDLOG) ** 2 + ((mu - muMean) / MU_PRIOR_SD) ** 2;
  });
  return p;
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
    b: params.fitBetaVerySevere ? x[betaIndex(params)] : base.betaVerySevere,
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
    if (params.fitBetaVerySevere) J[i][betaIndex(params)] = -VERY_SEVERE_CENTRE;
  }
  const JS = J.map((row) => s[0].map((_, j) => row.reduce((acc, v, k) => acc + v * s[k][j], 0)));
  return JS.map((row) => J.map((jr) => row.reduce((acc, v, k) => acc + v * jr[k], 0)));
}

/** Decode an internal (optimiser) vector; `tauClass` fixes the class tau (else the geometric mean of the own taus). */
export function decode(params: Parameterisation, xInternal: number[], base: Globals, fixedTauClass?: number): Decoded {
  const x = toNatural(params, xInternal, base);
  const nd = params.drugs.length;
  const mu = new Map(params.drugs.map((d, i) => [d, x[i]]));
  const logTaus = params.ownTau.map((_, j) => x[nd + j]);
  const tauClass = fixedTauClass ?? (logTaus.length ? Math.exp(logTaus.reduce((a, b) => a + b, 0) / logTaus.length) : DEFAULT_TAU_CLASS);
  const tau = new Map(params.drugs.map((d) => [d, tauClass]));
  params.ownTau.forEach((d, j) => tau.set(d, Math.exp(logTaus[j])));
  const prior = params.priorTau ?? [];
  prior.forEach((d, j) => tau.set(d, Math.exp(x[nd + params.ownTau.length + j])));
  // Escape: own rates, the others their geometric mean (the class value); none without maintenance data.
  const escapeRate = new Map<string, number>();
  const own = params.ownEscape ?? [];
  if (own.length) {
    const at = nd + params.ownTau.length + prior.length;
    const logs = own.map((_, j) => x[at + j]);
    const cls = Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
    for (const d of params.drugs) escapeRate.set(d, cls);
    own.forEach((d, j) => escapeRate.set(d, Math.exp(logs[j])));
  }
  const globals = { ...base };
  if (params.fitBetaVerySevere) globals.betaVerySevere = x[betaIndex(params)];
  if (params.fitSigma) globals.sigma = Math.exp(x[sigmaIndex(params)]);
  const extra = (g: ExtraGlobal) => x[extraIndex(params, g)];
  for (const g of params.extraGlobals ?? []) {
    if (g === 'betaDur') globals.betaDur = extra(g);
    else if (g === 'logTauOff') globals.tauOff = Math.exp(extra(g));
    else if (g === 'logSTauOff') globals.sTauOff = Math.exp(extra(g));
    else if (g === 'logK') globals.k = Math.exp(extra(g));
    else globals.sTau = Math.exp(extra(g));
  }
  return { mu, tau, tauClass, escapeRate, globals };
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
  const start: Record<ExtraGlobal, number> = { betaDur: base.betaDur, logTauOff: Math.log(base.tauOff),
    logSTauOff: Math.log(base.sTauOff || START_STAUOFF), logK: Math.log(base.k), logSTau: Math.log(base.sTau) };
  return fromNatural(params, [...mu, ...params.ownTau.map(() => Math.log(5)), ...(params.priorTau ?? []).map(() => Math.log(5)),
    ...(params.ownEscape ?? []).map(() => Math.log(START_ESCAPE)),
    ...(params.fitSigma ? [Math.log(base.sigma)] : []), ...(params.fitBetaVerySevere ? [base.betaVerySevere] : []),
    ...(params.extraGlobals ?? []).map((g) => start[g])], base);
}
