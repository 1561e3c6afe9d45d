// Numerical robustness: extreme but valid parameters give finite outputs, with rates in [0, 1].
import { describe, expect, it } from 'vitest';
import { simulateScenario } from '../../src/app/run.js';
import { withEngine } from '../../src/engine/pool.js';
import { validateScenario } from '../../src/io/scenario.js';

const catalog = [
  { id: 'baricitinib-4mg', mu: 0.35, tau: 5.0, aeRate: 0.002, monthlyPrice: 1000 },
  { id: 'ritlecitinib-50mg', mu: 0.15, tau: 5.5, aeRate: 0.002, monthlyPrice: 800 },
  { id: 'deuruxolitinib-8mg', mu: 0.4, tau: 4.5, aeRate: 0.003, monthlyPrice: 1200 },
];

const base = {
  name: 'extremes',
  seed: 7,
  patients: 5000,
  horizon: 24,
  catalog,
  policies: [
    { id: 'stop', sequence: catalog.map((d) => d.id), failAtMonths: 6, afterLastLine: 'stop' },
    { id: 'stay', sequence: [catalog[0].id, catalog[2].id], failAtMonths: 9, afterLastLine: 'stay', extendIfImprovedPct: 30, extendToMonths: 12, worseningFromMonths: 3, worseningPoints: 10 },
  ],
};

/** A correlation matrix 1 on the diagonal and r elsewhere: positive definite for -1/2 < r < 1, eigenvalues 1 + 2r and 1 - r. */
const equicorrelated = (r: number) => [[1, r, r], [r, 1, r], [r, r, 1]];
const withDrugs = (patch: object) => catalog.map((d) => ({ ...d, ...patch }));

const cases: [string, Record<string, unknown>][] = [
  ['sigma 0', { globals: { sigma: 0 } }],
  ['sigma 0, sTau 0', { globals: { sigma: 0, sTau: 0 } }],
  ['k very large', { globals: { k: 1e6 } }],
  ['k very small', { globals: { k: 1e-6 } }],
  ['tau tiny', { catalog: withDrugs({ tau: 1e-9 }) }],
  ['tau huge', { catalog: withDrugs({ tau: 1e9 }) }],
  ['tauOff tiny', { globals: { tauOff: 1e-9 } }],
  ['no adverse events', { catalog: withDrugs({ aeRate: 0 }) }],
  ['adverse events every instant', { catalog: withDrugs({ aeRate: 1e9 }) }],
  ['mu very large and very small', { catalog: catalog.map((d, i) => ({ ...d, mu: i === 0 ? 1e6 : -1e6 })) }],
  ['rhoClass 0', { correlation: { rhoMolecule: 0.9, rhoClass: 0 } }],
  ['rhoClass 1, rhoMolecule 1 (singular)', { correlation: { rhoMolecule: 1, rhoClass: 1 } }],
  ['matrix just positive definite (r near -1/2)', { correlation: { matrix: equicorrelated(-0.5 + 1e-9) } }],
  ['matrix just positive definite (r near 1)', { correlation: { matrix: equicorrelated(1 - 1e-12) } }],
  ['one patient', { patients: 1 }],
  ['no minoxidil, everyone worsening', { population: { minoxidilShare: 0, worseningShare: 1, worseningMean: 1e6 } }],
  ['response threshold 0 and 100', { responseThreshold: 0 }],
  ['response threshold 100', { responseThreshold: 100 }],
  ['visit every 0.01 month', { horizon: 2, visitEveryMonths: 0.01 }],
  ['extreme durations', { population: { durYears: { median: 1e-6, sdlog: 50, min: 1e-9, max: 1e9 } }, globals: { betaDur: 10 } }],
];

/** Every number in the document: finite; every rate of a curve or line: in [0, 1]. */
function checkOutputs(doc: unknown, at = 'result'): void {
  if (typeof doc === 'number') {
    expect(Number.isFinite(doc), `${at} = ${doc}`).toBe(true);
    return;
  }
  if (doc === null || typeof doc !== 'object') return;
  for (const [k, v] of Object.entries(doc)) checkOutputs(v, `${at}.${k}`);
}

function checkRates(result: Awaited<ReturnType<typeof simulateScenario>>): void {
  for (const p of result.policies) {
    for (const r of [...p.cumulative, ...p.point, ...p.byLine.map((l) => ({ ...l, rate: l.share }))]) {
      for (const x of [r.rate, r.lo, r.hi]) expect(x >= 0 && x <= 1, `${p.id}: ${x}`).toBe(true);
      expect(r.lo <= r.rate && r.rate <= r.hi).toBe(true);
    }
    for (let v = 1; v < p.cumulative.length; v++) expect(p.cumulative[v].rate).toBeGreaterThanOrEqual(p.cumulative[v - 1].rate);
    expect(p.responders).toBeLessThanOrEqual(result.patients);
    expect(p.meanNonResponseMonths).toBeGreaterThanOrEqual(0);
    expect(p.meanNonResponseMonths).toBeLessThanOrEqual(result.horizon + 1e-9);
    for (const m of Object.values(p.drugMonths)) expect(m >= 0 && m <= result.horizon + 1e-9).toBe(true);
  }
}

describe('extreme but valid parameters', () => {
  it.each(cases)('%s: every output finite, rates in [0, 1]', async (_name, patch) => {
    const s = validateScenario({ ...base, ...patch }, 'extremes.yaml');
    const result = await withEngine(1, (e) => simulateScenario(s, e));
    checkOutputs(result);
    checkRates(result);
  });
});
