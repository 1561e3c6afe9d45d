// Paired differences of the secondary outputs and the costs (issue 5, points 1 and 5): the engine's sums
// against a tally made here patient by patient (each patient followed alone into a zeroed aggregate), exact
// zeros for identical policies, and the ratio intervals against a hand computation.
import { describe, expect, it } from 'vitest';
import { meanInterval, ratioOfMeans } from '../../src/stats/intervals.js';
import { planBlocks } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import type { Scenario } from '../../src/model/scenario.js';
import { followPolicy } from '../../src/policy/followPolicy.js';
import { streamFor } from '../../src/rng/streams.js';
import { simulateInProcess } from '../fixtures/simulate.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

const N = 9000;
const PRICES = [5534.78, 4038.46, 4700];

function pricedDoc(patients: number): Record<string, unknown> {
  const doc = allRulesDoc(patients);
  doc.catalog = (doc.catalog as Record<string, unknown>[]).map((d, i) => ({ ...d, monthlyPrice: PRICES[i] }));
  return doc;
}

const simulate = simulateInProcess;

/** Per patient and policy: non-response months, lines, drug months, cost, responded; from a zeroed aggregate each. */
function tally(s: Scenario) {
  const c = compileScenario(s);
  const lay = c.layout;
  const rows: { nrm: number; lines: number; dm: number[]; cost: number; resp: number }[][] = [];
  const one = new Float64Array(lay.length);
  for (const block of planBlocks(s.patients)) {
    const rng = streamFor(c.seed, block.index);
    const p = new Patient(c.drugCount);
    for (let i = 0; i < block.size; i++) {
      drawPatient(rng, c, p);
      const perPolicy = [];
      for (let pi = 0; pi < c.policyCount; pi++) {
        one.fill(0);
        const first = followPolicy(c, pi, p, one);
        const base = pi * lay.policyStride;
        const dm = Array.from({ length: c.drugCount }, (_, d) => one[base + lay.drugMonths + d]);
        let lines = 0;
        for (let j = 0; j <= lay.maxLines; j++) if (one[base + lay.linesUsed + j] === 1) lines = j;
        perPolicy.push({
          nrm: one[base + lay.nonResponseMonths], lines, dm,
          cost: dm.reduce((a, m, d) => a + m * PRICES[d], 0), resp: first < lay.visitCount ? 1 : 0,
        });
      }
      rows.push(perPolicy);
    }
  }
  return rows;
}

/** Mean of d with its standard error, computed plainly. */
function meanSe(d: number[]) {
  const n = d.length;
  const m = d.reduce((a, x) => a + x, 0) / n;
  const v = d.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1);
  return { m, se: Math.sqrt(v / n) };
}

const close = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

describe('paired secondary differences and costs', () => {
  const s = scenario(pricedDoc(N));
  const r = simulate(s);
  const rows = tally(s);

  it('match a per-patient tally: non-response months, lines used, drug months, cost per patient', () => {
    const cmp = r.comparisons[0];
    expect([cmp.a, cmp.b]).toEqual(['all-rules', 'fail-9mo']);
    const check = (got: { diff: number; lo: number; hi: number }, d: number[]) => {
      const { m, se } = meanSe(d);
      close(got.diff, m);
      close(got.hi - got.lo, 2 * 1.959963984540054 * se, 1e-6);
    };
    check(cmp.nonResponseMonths, rows.map((x) => x[1].nrm - x[0].nrm));
    check(cmp.linesUsed, rows.map((x) => x[1].lines - x[0].lines));
    s.catalog.forEach((drug, g) => check(cmp.drugMonths[drug.id], rows.map((x) => x[1].dm[g] - x[0].dm[g])));
    check(cmp.cost!.perPatient, rows.map((x) => x[1].cost - x[0].cost));
    expect(Math.abs(cmp.nonResponseMonths.diff)).toBeGreaterThan(0.1); // a real difference is being checked
    // Per policy: mean cost and its interval.
    r.policies.forEach((p, pi) => {
      const { m, se } = meanSe(rows.map((x) => x[pi].cost));
      close(p.cost!.perPatient.mean, m);
      close(p.cost!.perPatient.hi - p.cost!.perPatient.lo, 2 * 1.959963984540054 * se, 1e-6);
    });
  });

  it('cost per responder and incremental cost per additional responder: ratios of the tallied means', () => {
    const n = rows.length;
    r.policies.forEach((p, pi) => {
      const cost = rows.reduce((a, x) => a + x[pi].cost, 0) / n;
      const resp = rows.reduce((a, x) => a + x[pi].resp, 0) / n;
      close(p.cost!.perResponder.value!, cost / resp);
    });
    const dC = rows.reduce((a, x) => a + x[1].cost - x[0].cost, 0) / n;
    const dR = rows.reduce((a, x) => a + x[1].resp - x[0].resp, 0) / n;
    const icer = r.comparisons[0].cost!.perAdditionalResponder;
    close(icer.value!, dC / dR);
    // Delta method by hand: Var = (Var dC - 2 I Cov(dC, dR) + I^2 Var dR) / (n dR^2).
    const I = dC / dR;
    let vC = 0, vR = 0, cov = 0;
    for (const x of rows) {
      const c = x[1].cost - x[0].cost - dC;
      const q = x[1].resp - x[0].resp - dR;
      vC += c * c; vR += q * q; cov += c * q;
    }
    const se = Math.sqrt((vC / n - 2 * I * cov / n + I * I * vR / n) / (n * dR * dR));
    close(icer.hi! - icer.lo!, 2 * 1.959963984540054 * se, 1e-6);
  });

  it('two identical policies: every secondary difference and the cost difference are exactly 0, the ratio undefined', () => {
    const cmp = r.comparisons[1];
    expect([cmp.a, cmp.b]).toEqual(['all-rules', 'all-rules-again']);
    const zero = { diff: 0, lo: 0, hi: 0 };
    expect(cmp.nonResponseMonths).toEqual(zero);
    expect(cmp.linesUsed).toEqual(zero);
    for (const d of Object.values(cmp.drugMonths)) expect(d).toEqual(zero);
    expect(cmp.cost!.perPatient).toEqual(zero);
    expect(cmp.cost!.perAdditionalResponder).toEqual({ value: null, lo: null, hi: null });
  });

  it('without a price for a drug a policy uses, no costs are reported', () => {
    const r2 = simulate(scenario(allRulesDoc(500)));
    for (const p of r2.policies) expect(p.cost).toBeNull();
    for (const c of r2.comparisons) expect(c.cost).toBeNull();
  });

  it('a limiting case: no adverse events, no failure before the horizon, one drug: cost = price x horizon for everyone', () => {
    const r3 = simulate(scenario({
      seed: 5, patients: 3000, horizon: 24,
      catalog: [{ id: 'x', mu: 0.5, tau: 4, aeRate: 0, monthlyPrice: 1000 }],
      policies: [{ id: 'a', sequence: ['x'], failAtMonths: 30 }, { id: 'b', sequence: ['x'], failAtMonths: 30 }],
    }));
    const c = r3.policies[0].cost!;
    expect(c.perPatient).toEqual({ mean: 24_000, lo: 24_000, hi: 24_000 });
    const rate = r3.policies[0].responders / 3000;
    close(c.perResponder.value!, 24_000 / rate);
  });
});

describe('interval formulas by hand', () => {
  it('meanInterval: mean and Wald interval of four values', () => {
    // d = 1, 2, 3, 6: mean 3, sample variance (4 + 1 + 0 + 9) / 3 = 14/3, SE = sqrt(14/12).
    const m = meanInterval(12, 1 + 4 + 9 + 36, 4, 2);
    close(m.diff, 3);
    close(m.hi - 3, 2 * Math.sqrt(14 / 12));
    close(3 - m.lo, 2 * Math.sqrt(14 / 12));
  });

  it('ratioOfMeans: delta method on a small table, and null intervals when the denominator is not significant', () => {
    // (X, Y) = (10, 1), (20, 1), (5, 0), (15, 1): mean X 12.5, mean Y 0.75, R = 50/3.
    // Var X = 31.25, Var Y = 0.1875, Cov = (10+20+15)/4 - 12.5*0.75 = 1.875 (population moments).
    const s = { sx: 50, sxx: 100 + 400 + 25 + 225, sy: 3, syy: 3, sxy: 45 };
    const R = 50 / 3;
    const se = Math.sqrt((31.25 - 2 * R * 1.875 + R * R * 0.1875) / (4 * 0.75 * 0.75));
    const r = ratioOfMeans(s, 4, 1); // z = 1: the mean of Y (0.75) is more than 1 SE (0.2165) from 0
    close(r.value!, R);
    close(r.hi! - R, se);
    close(R - r.lo!, se);
    expect(ratioOfMeans({ sx: 1, sxx: 1, sy: 0, syy: 2, sxy: 0 }, 4)).toEqual({ value: null, lo: null, hi: null });
    const wide = ratioOfMeans({ sx: 5, sxx: 30, sy: 1, syy: 3, sxy: 1 }, 4);
    expect(wide.value).toBe(5);
    expect(wide.lo).toBeNull();
  });
});
