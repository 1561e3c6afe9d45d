// Parameter estimates of a calibration with their intervals and the notes that explain them: Wald on the
// fitted scale, replaced by profile-likelihood intervals where those were computed (calibration/profile.ts).
import { Z95 } from '../stats/special.js';
import type { CalibrationResult, ParameterEstimate } from './result.js';
import { betaIndex, extraIndex, MU_PRIOR_SD, sigmaIndex, TAU_PRIOR_SDLOG, type ExtraGlobal } from './parameters.js';
import type { CalibrationOptions, CalibrationProblem } from './problem.js';
import { profileBetaVerySevere, type ProfiledInterval } from './profile.js';

const fmtEdge = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4));

/**
 * The estimates of the natural vector `best.x` (deviance `best.f`, internal
 * vector `internal`) with standard errors from `covariance`; betaVerySevere's
 * profile is computed here when `options.profile` allows and none is given.
 */
export async function parameterEstimates(
  problem: CalibrationProblem, best: { x: number[]; f: number }, covariance: number[][], internal: number[], tauClass: number,
  options: CalibrationOptions, intervals?: Map<string, ProfiledInterval>,
): Promise<CalibrationResult['estimates']> {
  const { params } = problem;
  const { x } = best;
  const se = params.names.map((_, i) => Math.sqrt(Math.max(0, covariance[i][i])));
  const estimates: ParameterEstimate[] = [];
  params.drugs.forEach((id, i) => {
    estimates.push({ name: `mu[${id}]`, estimate: x[i], se: se[i], lo: x[i] - Z95 * se[i], hi: x[i] + Z95 * se[i], kind: 'fitted' });
  });
  const nd = params.drugs.length;
  params.ownTau.forEach((id, j) => {
    const v = x[nd + j];
    const s = se[nd + j];
    estimates.push({ name: `tau[${id}]`, estimate: Math.exp(v), se: s, lo: Math.exp(v - Z95 * s), hi: Math.exp(v + Z95 * s), kind: 'fitted' });
  });
  if (params.ownTau.length) {
    // log tauClass = mean of the own log taus: variance 1' S 1 / m^2 over that block.
    const m = params.ownTau.length;
    let v = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) v += covariance[nd + a][nd + b];
    const s = Math.sqrt(Math.max(0, v)) / m;
    const tied = params.drugs.filter((id) => !params.ownTau.includes(id));
    estimates.push({ name: 'tauClass', estimate: tauClass, se: s, lo: tauClass * Math.exp(-Z95 * s), hi: tauClass * Math.exp(Z95 * s), kind: 'tied',
      note: `geometric mean of the taus of ${params.ownTau.join(', ')} fitted on their own arms; the tau of ${tied.join(', ') || 'no drug'} (a single time point each)` });
  }
  if (params.fitSigma) {
    const i = sigmaIndex(params);
    estimates.push({ name: 'sigma', estimate: Math.exp(x[i]), se: se[i], lo: Math.exp(x[i] - Z95 * se[i]), hi: Math.exp(x[i] + Z95 * se[i]), kind: 'fitted' });
  }
  if (params.fitBetaVerySevere) {
    const i = betaIndex(params);
    const e: ParameterEstimate = { name: 'betaVerySevere', estimate: x[i], se: se[i], lo: x[i] - Z95 * se[i], hi: x[i] + Z95 * se[i], kind: 'fitted' };
    if (!intervals?.has('betaVerySevere') && options.profile !== false && se[i] > 0) {
      const pr = await profileBetaVerySevere(problem, internal, best.f, se[i]);
      e.note = `profile-likelihood interval; Wald ${e.lo!.toFixed(3)} to ${e.hi!.toFixed(3)}; profile deviance rise ${pr.points.map((p) => `${p.b.toFixed(3)}: ${p.delta.toFixed(2)}`).join(', ')}`;
      e.lo = Number.isFinite(pr.lo) ? pr.lo : null;
      e.hi = Number.isFinite(pr.hi) ? pr.hi : null;
    }
    estimates.push(e);
  }
  // Version 2: priored taus, escape rates, and the globals of the long-term data, all on the scale fitted (log for positive ones).
  const logScale = (name: string, i: number, note: string) => {
    estimates.push({ name, estimate: Math.exp(x[i]), se: se[i], lo: Math.exp(x[i] - Z95 * se[i]), hi: Math.exp(x[i] + Z95 * se[i]), kind: 'fitted', note });
  };
  const nt = params.ownTau.length;
  params.priorTau.forEach((id, j) => logScale(`tau[${id}]`, nd + nt + j,
    `one time point: log tau under the prior N(log tauClass, ${TAU_PRIOR_SDLOG}^2), mu under N(class mu, ${MU_PRIOR_SD}^2), the class mu the mean mu of the drugs with a time course (a penalty in the deviance)`));
  params.ownEscape.forEach((id, j) => logScale(`escapeRate[${id}]`, nd + nt + params.priorTau.length + j,
    'per month; from the maintenance arms (responders kept or down-titrated after week 52); the other drugs take the geometric mean'));
  const why: Record<ExtraGlobal, [string, string]> = {
    betaDur: ['betaDur', 'from the episode-duration subgroups (< 4, >= 4 years)'],
    logTauOff: ['tauOff', 'months; from the withdrawal arms (loss of benefit 4, 8 and 100 weeks after stopping)'],
    logSTauOff: ['sTauOff', 'from the withdrawal arms (the spread of the loss of benefit over time)'],
    logK: ['k', 'onset shape; from the time courses and the points after week 100'],
    logSTau: ['sTau', 'spread of tau between patients; from the time courses and the points after week 100'],
  };
  for (const g of params.extraGlobals) {
    const i = extraIndex(params, g);
    if (g === 'betaDur') estimates.push({ name: 'betaDur', estimate: x[i], se: se[i], lo: x[i] - Z95 * se[i], hi: x[i] + Z95 * se[i], kind: 'fitted', note: why[g][1] });
    else logScale(why[g][0], i, why[g][1]);
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

  return estimates;
}
