// MODEL.md version 2 in trial mode against closed forms and quadrature: loss of response on drug (escape),
// the patient-specific offset, and the re-randomised designs (maintenance on the drug, withdrawal, a dose
// change), each in a limiting case where the answer can be written down without the engine.
//
// Population throughout: baseline SALT 80 (a bin of width 1e-4), no covariates, no natural worsening, k = 2,
// sTau 0, so that G = Phi(mu + sigma Z) and, with tau 0.5 months, h = 1 exactly by week 52 (x^2 > 38).
// Response at SALT <= 20 <=> E >= a = 1 - 20 / 80 = 0.75. The references use the test's own Phi and Phi^-1
// (tests/fixtures/reference.ts), never src/model/normal.ts.
import { describe, expect, it } from 'vitest';
import { planBlocks, runTrialBlock } from '../../src/engine/runBlock.js';
import { TrialCounts } from '../../src/engine/trialMode.js';
import { compileScenario } from '../../src/model/compile.js';
import {
  IMPUTATION_NRI, SELECT_NON_RESPONDERS, SELECT_RESPONDERS, THEN_STAY, THEN_STOP, trialCountsLength, type TrialDesign, type TrialSpec,
} from '../../src/model/trial.js';
import { binomialSe, gaussLegendre, gradedTowardsUpper, integrate, refDensity, refPhi, refPhiInv } from '../fixtures/reference.js';
import { PLAIN_POPULATION, scenario } from '../fixtures/scenarios.js';

const monthsOf = (week: number) => (7 * week) / (365.25 / 12);
const A = 0.75; // 1 - 20 / 80
const W0 = 52;

interface Model {
  sigma: number; tauOff: number; sTauOff: number; rhoMolecule?: number;
  drugs: { id: string; molecule: string; mu: number; tau: number; escapeRate?: number }[];
}

function run(m: Model, patients: number, seed: number, weeks: number[], design?: TrialDesign): TrialCounts {
  const s = scenario({
    seed, patients,
    population: { ...PLAIN_POPULATION, salt0: [{ min: 80, max: 80.0001, weight: 1 }] },
    globals: { sigma: m.sigma, k: 2, sTau: 0, betaDur: 0, betaMinoxidil: 0, betaVerySevere: 0, tauOff: m.tauOff, sTauOff: m.sTauOff },
    catalog: m.drugs.map((d) => ({ ...d, aeRate: 0, escapeRate: d.escapeRate ?? 0 })),
    correlation: { rhoMolecule: m.rhoMolecule ?? 0.9, rhoClass: 0 },
    policies: [{ id: 'p', sequence: [m.drugs[0].id] }],
  });
  const c = compileScenario(s);
  const spec: TrialSpec = {
    drug: 0, months: Float64Array.from(weeks, monthsOf), thresholds: Float64Array.from([20]),
    bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]), imputation: IMPUTATION_NRI, ...(design ? { design } : {}),
  };
  const counts = new Float64Array(trialCountsLength(spec));
  for (const b of planBlocks(patients)) {
    const out = runTrialBlock(c, spec, b);
    for (let i = 0; i < counts.length; i++) counts[i] += out[i];
  }
  return new TrialCounts(spec, counts);
}

/**
 * |sim - ref| within 4 binomial SE (plus a stated reference error), and 4 patients: where n ref is below 1
 * the normal approximation fails (a count of 3 at an expected 0.37 is a 1-in-200 event, not 4 SE).
 */
function expectClose(label: string, x: number, n: number, ref: number, refError = 0) {
  const sim = x / n;
  const tolerance = 4 * binomialSe(ref, n) + 4 / n + refError + 1e-12;
  expect({ label, sim, ref, ok: Math.abs(sim - ref) <= tolerance }).toMatchObject({ label, ok: true });
}

/** P(Phi(mu + Z) >= q), Z ~ N(0, 1). */
const shareAbove = (q: number, mu: number) => (q >= 1 ? 0 : q <= 0 ? 1 : refPhi(mu - refPhiInv(q)));

describe('maintenance on the drug with escape (tauOff -> 0, sTauOff 0)', () => {
  // An escaped patient's effect vanishes at once (tauOff 1e-4 months): SALT 80 from X on. Responders at w0
  // are those with G >= a and X > w0; each keeps response to t iff X > t: exp(-r (t - w0)) (memoryless),
  // and one who escaped has lost 80 - SALT(w0) >= 60 > 20 points.
  const r = 0.04;
  const mu = 0.6;
  const m: Model = { sigma: 1, tauOff: 1e-4, sTauOff: 0, drugs: [{ id: 'bari-4mg', molecule: 'bari', mu, tau: 0.5, escapeRate: r }] };
  const weeks = [W0, 64, 104, 152];
  const n = 200_000;
  const counts = run(m, n, 41, weeks, { atMonths: monthsOf(W0), select: SELECT_RESPONDERS, then: THEN_STAY });

  it('selects G >= a without escape before w0: n (1 - Phi(Phi^-1(a) - mu)) e^(-r w0)', () => {
    expectClose('selected', counts.patients(), n, shareAbove(A, mu) * Math.exp(-r * monthsOf(W0)));
  });

  it('keeps response with probability e^(-r (t - w0)) among the selected; loss of benefit is the rest', () => {
    const sel = counts.patients();
    weeks.forEach((w, i) => {
      const keep = Math.exp(-r * (monthsOf(w) - monthsOf(W0)));
      expectClose(`salt20 week ${w}`, counts.response(i, 0).x, sel, keep);
      expectClose(`lost week ${w}`, counts.lostBenefit(i).x, sel, 1 - keep);
    });
  });

  it('escapeRate 0: every selected responder keeps response (no loss on drug in version 1)', () => {
    const none = run({ ...m, drugs: [{ ...m.drugs[0], escapeRate: 0 }] }, 20_000, 42, weeks,
      { atMonths: monthsOf(W0), select: SELECT_RESPONDERS, then: THEN_STAY });
    weeks.forEach((_, i) => {
      expect(none.response(i, 0).x).toBe(none.patients());
      expect(none.lostBenefit(i).x).toBe(0);
    });
  });
});

describe('withdrawal: responders stop the drug at w0 (escapeRate 0)', () => {
  // sigma 0: G = Phi(1.5) = 0.9332 for everyone, so everyone responds at w0 (SALT 5.3). After the stop
  // E(t) = G e^(-D / tauOff_i), D = t - w0, tauOff_i = tauOff e^(sTauOff V):
  //   response at t   <=> tauOff_i >= D / ln(G / a)           : P = Phi(-ln(D / (ln(G / a) tauOff)) / sTauOff)
  //   loss of benefit <=> e^(-D / tauOff_i) < b = 1 - 20 / (80 G): P = Phi(ln(D / (-ln(b) tauOff)) / sTauOff)
  const G = refPhi(1.5);
  const base: Model = { sigma: 0, tauOff: 2, sTauOff: 0.6, drugs: [{ id: 'bari-4mg', molecule: 'bari', mu: 1.5, tau: 0.5 }] };
  const weeks = [53, 56, 60, 68, 80, 104];
  const stop = { atMonths: monthsOf(W0), select: SELECT_RESPONDERS, then: THEN_STOP };

  it('sTauOff 0.6: response and loss of benefit by week against the closed forms in V', () => {
    const n = 100_000;
    const counts = run(base, n, 43, weeks, stop);
    expect(counts.patients()).toBe(n);
    const b = 1 - 20 / (80 * G);
    weeks.forEach((w, i) => {
      const d = monthsOf(w) - monthsOf(W0);
      const respond = refPhi(-Math.log(d / (Math.log(G / A) * base.tauOff)) / base.sTauOff);
      const lost = refPhi(Math.log(d / (-Math.log(b) * base.tauOff)) / base.sTauOff);
      expectClose(`salt20 week ${w}`, counts.response(i, 0).x, n, respond);
      expectClose(`lost week ${w}`, counts.lostBenefit(i).x, n, lost);
    });
  });

  it('sTauOff 0: every patient responds while D <= tauOff ln(G / a) = 0.44 months, nobody after', () => {
    const counts = run({ ...base, sTauOff: 0 }, 5_000, 44, weeks, stop);
    const limit = base.tauOff * Math.log(G / A);
    weeks.forEach((w, i) => {
      expect({ w, x: counts.response(i, 0).x }).toEqual({ w, x: monthsOf(w) - monthsOf(W0) <= limit ? 5_000 : 0 });
    });
  });

  it('tauOff -> infinity: stopping changes nothing (response kept, no loss of benefit)', () => {
    const counts = run({ ...base, tauOff: 1e12, sTauOff: 0 }, 5_000, 45, weeks, stop);
    weeks.forEach((_, i) => {
      expect(counts.response(i, 0).x).toBe(5_000);
      expect(counts.lostBenefit(i).x).toBe(0);
    });
  });

  it('non-responders at w0 are not selected when everyone responds', () => {
    const counts = run(base, 2_000, 46, weeks, { atMonths: monthsOf(W0), select: SELECT_NON_RESPONDERS, then: THEN_STOP });
    expect(counts.patients()).toBe(0);
  });
});

describe('down-titration: a dose change of the same molecule at w0 (escapeRate 0, sTauOff 0)', () => {
  // 4 mg (mu1) to 2 mg (mu2) of one molecule, latent Z1, Z2 with correlation rho. The clock is kept, so the
  // 2 mg effect is G2 at once (h = 1); the 4 mg effect decays as a residual: E(t) = max(G2, G1 e^(-D / tauOff)).
  // Selected: L1 = mu1 + Z1 >= q = Phi^-1(a). Kept at t: L2 >= q, or L1 >= qD = Phi^-1(a e^(D / tauOff)).
  //   P(kept | selected) = [P(L1 >= qD) + int_{q - mu1}^{qD - mu1} phi(z) P(Z2 >= q - mu2 | Z1 = z) dz] / P(L1 >= q).
  // Lost benefit: 80 (G1 - E(t)) > 20 <=> G2 < G1 - 0.25 and G1 (1 - e^(-D / tauOff)) > 0.25.
  const mu1 = 1.0;
  const mu2 = 0.1;
  const rho = 0.7;
  const tauOff = 3;
  const m: Model = {
    sigma: 1, tauOff, sTauOff: 0, rhoMolecule: rho,
    drugs: [{ id: 'bari-4mg', molecule: 'bari', mu: mu1, tau: 0.5 }, { id: 'bari-2mg', molecule: 'bari', mu: mu2, tau: 0.5 }],
  };
  const weeks = [56, 64, 80, 104];
  const q = refPhiInv(A);
  const sd = Math.sqrt(1 - rho * rho);
  const z2Above = (z1: number, level: number) => 1 - refPhi((level - mu2 - rho * z1) / sd); // P(mu2 + Z2 >= level | Z1 = z1)

  function kept(d: number, nodes: number): number {
    const e = A * Math.exp(d / tauOff);
    const qD = e >= 1 ? Infinity : refPhiInv(e);
    const hi = Math.min(qD - mu1, 9);
    const tail = qD === Infinity ? 0 : 1 - refPhi(qD - mu1);
    const band = integrate((z) => refDensity(z) * z2Above(z, q), q - mu1, hi, nodes, 8);
    return (tail + band) / (1 - refPhi(q - mu1));
  }

  function lost(d: number, nodes: number): number {
    const decay = 1 - Math.exp(-d / tauOff);
    // G1 > 0.25 / decay, i.e. z1 > Phi^-1(0.25 / decay) - mu1 (and z1 >= q - mu1 to be selected).
    const g1Min = 0.25 / decay;
    if (g1Min >= 1) return 0;
    const lo = Math.max(q - mu1, refPhiInv(g1Min) - mu1);
    const f = (z: number) => {
      const g1 = refPhi(mu1 + z);
      return refDensity(z) * (1 - z2Above(z, refPhiInv(g1 - 0.25)));
    };
    return integrate(f, lo, 9, nodes, 8) / (1 - refPhi(q - mu1));
  }

  it('response kept and loss of benefit among the selected, by week, against 1-D quadrature', () => {
    const n = 150_000;
    const counts = run(m, n, 47, weeks, { atMonths: monthsOf(W0), select: SELECT_RESPONDERS, then: 1 });
    const sel = counts.patients();
    expectClose('selected', sel, n, 1 - refPhi(q - mu1));
    weeks.forEach((w, i) => {
      const d = monthsOf(w) - monthsOf(W0);
      const [k1, k2] = [kept(d, 40), kept(d, 80)];
      const [l1, l2] = [lost(d, 40), lost(d, 80)];
      expect(Math.abs(k2 - k1) + Math.abs(l2 - l1)).toBeLessThan(1e-8);
      expectClose(`kept week ${w}`, counts.response(i, 0).x, sel, k2);
      expectClose(`lost week ${w}`, counts.lostBenefit(i).x, sel, l2);
    });
    // Sanity: the cases are not degenerate.
    expect(kept(monthsOf(104) - monthsOf(W0), 80)).toBeLessThan(0.9);
    expect(lost(monthsOf(104) - monthsOf(W0), 80)).toBeGreaterThan(0.05);
  });
});

describe('escape with a patient-specific offset, no design, against quadrature over X and V', () => {
  // G = Phi(mu + Z), tau 3 (k 2, sTau 0), X ~ Exp(r), tauOff_i = tauOff e^(s V). At t:
  //   X > t: response iff G h(t) >= a;  X = x <= t: iff G h(x) e^(-(t - x) / tauOff_i) >= a.
  //   P(t) = e^(-r t) P(G >= a / h(t)) + E_V int_0^t r e^(-r x) P(G >= a e^((t - x) / tauOff_i) / h(x)) dx.
  // The x integrand vanishes below x*(V), where the required G reaches 1, with a weak singularity there:
  // panels graded towards x*. The V integral: Gauss-Legendre panels on [-8, 8].
  const mu = 0.8;
  const tau = 3;
  const r = 0.08;
  const tauOff = 2;
  const s = 0.7;
  const m: Model = { sigma: 1, tauOff, sTauOff: s, drugs: [{ id: 'ritle-50mg', molecule: 'ritle', mu, tau, escapeRate: r }] };
  const h = (u: number) => -Math.expm1(-((u / tau) ** 2));
  const need = (x: number, t: number, tOff: number) => (A * Math.exp((t - x) / tOff)) / h(x);

  function reference(t: number, level: number): number {
    const onDrug = Math.exp(-r * t) * shareAbove(A / h(t), mu);
    const vRule = gaussLegendre(8);
    const vPanels = 16 * level;
    let escaped = 0;
    for (let p = 0; p < vPanels; p++) {
      for (let j = 0; j < vRule.x.length; j++) {
        const v = -8 + (p + 0.5 + 0.5 * vRule.x[j]) * (16 / vPanels);
        const wv = 0.5 * (16 / vPanels) * vRule.w[j] * refDensity(v);
        const tOff = tauOff * Math.exp(s * v);
        // x* by bisection: need(x) is decreasing in x; need(t) = a / h(t) < 1 is required for any mass.
        if (need(t, t, tOff) >= 1) continue;
        let lo = 0;
        let hi = t;
        for (let it = 0; it < 200; it++) {
          const mid = 0.5 * (lo + hi);
          if (need(mid, t, tOff) >= 1) lo = mid; else hi = mid;
        }
        // Integrate over y in [x*, t] with x = x* + t - y, so that the grading towards y = t lands at x*.
        const rule = gradedTowardsUpper(hi, t, 4 * level, 20 + 10 * level, 8);
        let inner = 0;
        for (let i = 0; i < rule.x.length; i++) {
          const x = hi + t - rule.x[i];
          inner += rule.w[i] * r * Math.exp(-r * x) * shareAbove(need(x, t, tOff), mu);
        }
        escaped += wv * inner;
      }
    }
    return onDrug + escaped;
  }

  it('response at 3, 6, 12, 24 months', () => {
    const n = 200_000;
    const months = [3, 6, 12, 24];
    const weeks = months.map((mo) => (mo * (365.25 / 12)) / 7);
    const counts = run(m, n, 48, weeks);
    months.forEach((t, i) => {
      const [p1, p2] = [reference(t, 1), reference(t, 2)];
      expectClose(`escape t=${t}`, counts.response(i, 0).x, n, p2, Math.abs(p2 - p1));
      expect(Math.abs(p2 - p1)).toBeLessThan(1e-6);
    });
    // Sanity: escape matters here (without it response at 24 months would be P(G >= a / h(24))).
    expect(shareAbove(A / h(24), mu) - reference(24, 2)).toBeGreaterThan(0.1);
  });
});
