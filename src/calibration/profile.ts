// Profile-likelihood 95% intervals: the generic bracketing search, and the profiles of each drug's mu and
// tau, of the class tau, and of betaVerySevere (the deviance rise CHI2_1_95, chi-square 1 df).
import { CHI2_1_95 } from '../stats/special.js';
import { nelderMead } from './nelderMead.js';
import { betaIndex, fromNatural, toNatural } from './parameters.js';
import type { CalibrationProblem } from './problem.js';

export { CHI2_1_95 };

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
  const { params } = problem;
  const g = problem.options.globals;
  const nd = params.drugs.length;
  const natural = toNatural(params, xInternal, g);
  const out = new Map<string, ProfiledInterval>();
  const inner = { maxEvals: 40, fTol: 1e-4, xTol: 1e-3 };
  const logTauBounds: [number, number] = [Math.log(TAU_PROFILE_BOUNDS[0]), Math.log(TAU_PROFILE_BOUNDS[1])];
  // Each drug's profiles are the deviance of its own arms (the others held at the estimate): the drugs, and
  // the class tau, are profiled at once; their intervals are kept, and logged, in drug order.
  const profileDrug = async (i: number): Promise<{ entries: [string, ProfiledInterval][]; line?: string }> => {
    const id = params.drugs[i];
    const drugs = new Set([id]);
    const j = params.ownTau.indexOf(id);
    const dev = (mu: number, logTau?: number) => {
      const v = natural.slice();
      v[i] = mu;
      if (j >= 0 && logTau !== undefined) v[nd + j] = logTau;
      return problem.deviance(fromNatural(params, v, g), drugs);
    };
    const f0 = await dev(natural[i], j >= 0 ? natural[nd + j] : undefined);
    const muBounds: [number, number] = [natural[i] - MU_PROFILE_RANGE, natural[i] + MU_PROFILE_RANGE];
    if (j < 0) {
      const r = await profileInterval((mu) => dev(mu), natural[i], 0.1, muBounds, 0.002);
      return { entries: [[`mu[${id}]`, { lo: r.lo, hi: r.hi, note: profileNote(r, f0, (v) => v, '', '') }]] };
    }
    // mu with log tau re-optimised, and log tau with mu re-optimised; warm start from the last profile point of the same side.
    const warm = (start: number) => { const last = { [-1]: start, [1]: start } as Record<number, number>; return last; };
    const tauAt = warm(natural[nd + j]);
    const rMu = await profileInterval(async (mu, side) => {
      const m = await nelderMead(async ([t]) => dev(mu, t), [tauAt[side]], { step: [0.1], ...inner });
      tauAt[side] = m.x[0];
      return m.f;
    }, natural[i], 0.1, muBounds, 0.002);
    const muAt = warm(natural[i]);
    const rTau = await profileInterval(async (t, side) => {
      const m = await nelderMead(async ([mu]) => dev(mu, t), [muAt[side]], { step: [0.1], ...inner });
      muAt[side] = m.x[0];
      return m.f;
    }, natural[nd + j], 0.05, logTauBounds, 0.002);
    return {
      entries: [
        [`mu[${id}]`, { lo: rMu.lo, hi: rMu.hi, note: profileNote(rMu, f0, (v) => v, '', 'log tau') }],
        [`tau[${id}]`, { lo: rTau.lo === null ? null : Math.exp(rTau.lo), hi: rTau.hi === null ? null : Math.exp(rTau.hi),
          note: profileNote(rTau, f0, Math.exp, ' months', 'mu') }],
      ],
      line: `profile ${id}: mu ${rMu.lo?.toFixed(3) ?? 'open'} to ${rMu.hi?.toFixed(3) ?? 'open'}, tau ${rTau.lo === null ? 'open' : Math.exp(rTau.lo).toFixed(2)} to ${rTau.hi === null ? 'open' : Math.exp(rTau.hi).toFixed(2)}`,
    };
  };
  const [perDrug, classTau] = await Promise.all([
    Promise.all(params.drugs.map((_, i) => profileDrug(i))),
    profileClassTau(stage1, logTauBounds),
  ]);
  for (const d of perDrug) {
    for (const [key, interval] of d.entries) out.set(key, interval);
    if (d.line) log(d.line);
  }
  if (classTau) out.set('tauClass', classTau);
  return out;
}

/**
 * Profile-likelihood interval of the class tau: the deviance of the class-tau fit's arms as a function of
 * the mean log own tau, the own mus and the contrasts of the own log taus re-optimised (null: no such fit).
 */
async function profileClassTau(
  stage1: { problem?: CalibrationProblem; x?: number[] } | undefined, logTauBounds: [number, number],
): Promise<ProfiledInterval | null> {
  const sp = stage1?.problem;
  const sx = stage1?.x;
  if (!(sp && sx && sp.params.ownTau.length)) return null;
  // Class tau: c = mean own log tau; nuisance = own mus and m - 1 contrasts d_k (log tau_k = c + d_k - mean d, d_0 = 0).
  const s = sp.params;
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
  return { lo: r.lo === null ? null : Math.exp(r.lo), hi: r.hi === null ? null : Math.exp(r.hi),
    note: profileNote(r, f0, Math.exp, ' months', `on the arms of ${s.ownTau.join(', ')} (the class-tau fit, its betaVerySevere held), their mu${m > 1 ? ' and the spread of their log taus' : ''}`) };
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
  const bi = betaIndex(problem.params);
  const natural = toNatural(problem.params, xInternal, problem.options.globals);
  const b0 = natural[bi];
  const points: { b: number; delta: number }[] = [{ b: b0, delta: 0 }];
  // The six refits are independent: at once.
  points.push(...await Promise.all([-3, -2, -1, 1, 2, 3].map(async (j) => {
    const v = natural.slice();
    v[bi] = b0 + j * se;
    const r = await problem.blockDescent(fromNatural(problem.params, v, problem.options.globals), 1, true);
    return { b: v[bi], delta: r.f - fMin };
  })));
  points.sort((a, b) => a.b - b.b);
  const root = (p: { b: number; delta: number }) => Math.sign(p.b - b0) * Math.sqrt(Math.max(0, p.delta));
  const target = Math.sqrt(CHI2_1_95);
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
