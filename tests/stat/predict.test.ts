// `jaksim predict` (issue 15): with no history it gives the population's own curves (checked against a run of
// single-drug policies, i.e. followPolicy, on other draws); a synthetic patient's predictions concentrate on the
// true course as the history grows; 80% prediction intervals cover about 80% of true outcomes; worker counts
// do not change the bytes.
import { afterAll, describe, expect, it } from 'vitest';
import { runPredict, type PredictResult } from '../../src/app/predict.js';
import { summarizeRun } from '../../src/engine/summarize.js';
import { Engine } from '../../src/engine/pool.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient, fixCovariates } from '../../src/model/population.js';
import type { Scenario } from '../../src/model/scenario.js';
import { streamFor } from '../../src/rng/streams.js';
import { scenario } from '../fixtures/scenarios.js';

const CATALOG = [
  { id: 'baricitinib-4mg', molecule: 'baricitinib', mu: 0.6, tau: 4.5, aeRate: 0.03, escapeRate: 0.01 },
  { id: 'ritlecitinib-50mg', molecule: 'ritlecitinib', mu: 0.3, tau: 5.5, aeRate: 0.02, escapeRate: 0.02 },
  { id: 'deuruxolitinib-8mg', molecule: 'deuruxolitinib', mu: 0.8, tau: 4, aeRate: 0.04 },
];
const IDS = CATALOG.map((d) => d.id);

/** One policy per drug, kept to the horizon: its cumulative response is "start:<drug>" of an untreated patient. */
function singleDrugScenario(patients: number, seed: number, catalog: object[] = CATALOG, extra: Record<string, unknown> = {}): Scenario {
  return scenario({
    seed, patients, horizon: 24,
    population: {
      salt0: [{ min: 85, max: 85.000001, weight: 1 }], durYears: { median: 2, sdlog: 0, min: 0.5, max: 20 },
      minoxidilShare: 0, worseningShare: 0.4, worseningMean: 1,
    },
    globals: { sigma: 1, k: 2, sTau: 0.4, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2, sTauOff: 0.4 },
    catalog,
    correlation: { rhoMolecule: 0.9, rhoClass: 0.5 },
    policies: IDS.map((id) => ({ id, sequence: [id], afterLastLine: 'stay' })),
    ...extra,
  });
}

const engines = [new Engine({ workers: 1 }), new Engine({ workers: 2 })];
afterAll(async () => { await Promise.all(engines.map((e) => e.close())); });

const predict = (s: Scenario, patientDoc: unknown, draws: number, seed: number, engine = engines[0], sdObs = 5): Promise<PredictResult> =>
  runPredict({ patient: 'patient.yaml', patientDoc, scenarioValue: s, draws, sdObs, seed }, engine);

describe('predict with no history', () => {
  it('equals the population curves of single-drug runs (other draws, within 4 Monte Carlo SE)', async () => {
    const n = 40_000;
    const s = singleDrugScenario(n, 11);
    const run = summarizeRun(s, compileScenario(s), await engines[0].run(compileScenario(s)), { workers: 1, engineVersion: 'test' });
    const r = await predict(s, { salt0: 85, durYears: 2, minoxidil: false, history: [] }, n, 12);
    expect(r.ess).toBe(n); // no history: every weight is 1
    expect(r.options.map((o) => o.option)).toEqual(IDS.map((id) => `start:${id}`));
    for (const [i, o] of r.options.entries()) {
      const cum = run.policies[i].cumulative;
      for (const m of [3, 6, 9, 12, 24]) {
        const a = o.responseBy[m - 1].rate;
        const b = cum.find((c) => c.month === m)!.rate;
        const se = Math.sqrt(((a + b) / 2) * (1 - (a + b) / 2) * (2 / n));
        expect(Math.abs(a - b), `${o.option} month ${m}: ${a} vs ${b}`).toBeLessThan(4 * se + 1e-9);
      }
      expect(o.responseBy[23].rate).toBeGreaterThan(0.1);
    }
  });
});

/** SALT of a patient on drug d from t = 0 without adverse event or escape, from MODEL.md's formulas written out. */
function trueSalt(p: Patient, d: number, t: number): number {
  const h = 1 - Math.exp(-((t * p.invTau[d]) ** 2));
  return Math.min(100, p.salt0 + p.omega * t) * (1 - p.potential[d] * h);
}

/** A normal deviate from a uniform stream (Box-Muller). */
function gaussian(rng: { uniform(): number }): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

/** A patient file for a patient on drug 0 since month 0 with noisy scores at months 1..months. */
function historyDoc(p: Patient, months: number, sd: number, rng: { uniform(): number }) {
  const salt = [];
  for (let m = 1; m <= months; m++) salt.push({ month: m, value: Math.min(100, Math.max(0, trueSalt(p, 0, m) + sd * gaussian(rng))) });
  return { salt0: p.salt0, durYears: p.durYears, minoxidil: p.minoxidil === 1, history: [{ drug: IDS[0], start: 0, salt }] };
}

// One drug, no adverse events or escape in the synthetic patients' world, so trueSalt is their whole course.
const QUIET = [{ ...CATALOG[0], aeRate: 0, escapeRate: 0 }];
const quietScenario = (extra: Record<string, unknown> = {}) => singleDrugScenario(1000, 5, QUIET, {
  globals: { sigma: 1, k: 2, sTau: 0.4, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2 },
  policies: [{ id: 'one', sequence: [IDS[0]], afterLastLine: 'stay' }], ...extra,
});

describe('predict for synthetic patients', () => {
  it('concentrates on the true course as the history grows', async () => {
    const s = quietScenario();
    const c = compileScenario(s);
    const rng = streamFor(999, 0);
    const p = new Patient(c.drugCount);
    const target = 18; // the absolute month whose SALT we predict
    for (let patient = 0; patient < 3; patient++) {
      drawPatient(rng, c, p);
      fixCovariates(c, p, 85, 2, 0);
      const truth = trueSalt(p, 0, target);
      const widths: number[] = [];
      const errors: number[] = [];
      for (const months of [2, 9]) {
        const doc = historyDoc(p, months, 5, streamFor(1234 + patient, months));
        const r = await predict(s, doc, 100_000, 3, engines[0], 5);
        const q = r.options[0].salt[target - months - 1];
        widths.push(q.q90 - q.q10);
        errors.push(Math.abs(q.median - truth));
        if (months === 9) expect(truth, `patient ${patient}`).toBeGreaterThanOrEqual(q.q10 - 1);
        if (months === 9) expect(truth, `patient ${patient}`).toBeLessThanOrEqual(q.q90 + 1);
      }
      expect(widths[1], `patient ${patient}: widths ${widths}`).toBeLessThan(widths[0]);
      expect(errors[1], `patient ${patient}: errors ${errors}`).toBeLessThan(5);
    }
  });

  it('80% prediction intervals hold about 80% of the true SALT six months on (one score at month 6)', async () => {
    // Milder worsening than elsewhere: the tails of omega would need more than 10,000 draws for some patients.
    const s = quietScenario({
      horizon: 6,
      population: {
        salt0: [{ min: 85, max: 85.000001, weight: 1 }], durYears: { median: 2, sdlog: 0, min: 0.5, max: 20 },
        minoxidilShare: 0, worseningShare: 0.3, worseningMean: 0.5,
      },
    });
    const c = compileScenario(s);
    const rng = streamFor(4242, 0);
    const p = new Patient(c.drugCount);
    const patients = 200;
    let inside = 0;
    let retried = 0;
    for (let i = 0; i < patients; i++) {
      drawPatient(rng, c, p); // covariates from the population too: the prior of the latents does not depend on them
      const doc = { ...historyDoc(p, 0, 5, rng), history: [{ drug: IDS[0], start: 0, salt: [6].map((m) => ({ month: m, value: trueSalt(p, 0, m) + 5 * gaussian(rng) })) }] };
      // Scores beyond 0-100 are refused by the reader; the likelihood is for the unclamped measurement model.
      doc.history[0].salt = doc.history[0].salt.map((x) => ({ month: x.month, value: Math.min(100, Math.max(0, x.value)) }));
      // A patient far in the tails is refused at 10,000 draws (ESS < 100); as a user would, raise --draws.
      let r = await predict(s, doc, 10_000, 100 + i).catch(() => undefined);
      if (!r) { retried++; r = await predict(s, doc, 100_000, 100 + i); }
      const q = r.options[0].salt[5];
      const truth = trueSalt(p, 0, 12);
      if (truth >= q.q10 && truth <= q.q90) inside++;
    }
    expect(retried).toBeLessThan(patients / 20);
    const se = Math.sqrt((0.8 * 0.2) / patients);
    expect(Math.abs(inside / patients - 0.8), `coverage ${inside}/${patients}`).toBeLessThan(4 * se);
  }, 120_000);
});

describe('predict on the pool', () => {
  it('gives byte-identical documents for 1 and 2 workers, with an adverse-event stop and a switch in the history', async () => {
    const s = singleDrugScenario(1000, 5);
    const doc = {
      salt0: 85, durYears: 2, minoxidil: true,
      history: [
        { drug: IDS[1], start: 0, stop: 3, reason: 'adverse-event', salt: [{ month: 2, value: 84 }] },
        { drug: IDS[0], start: 3, salt: [{ month: 6, value: 70 }, { month: 9, value: 55 }] },
      ],
    };
    const [a, b] = [await predict(s, doc, 30_000, 8, engines[0]), await predict(s, doc, 30_000, 8, engines[1])];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.now).toBe(9);
    expect(a.options.map((o) => o.option)).toEqual(['continue', `switch:${IDS[1]}`, `switch:${IDS[2]}`]);
    expect(a.ess).toBeGreaterThan(1000);
    expect(a.ess).toBeLessThan(30_000);
  });
});
