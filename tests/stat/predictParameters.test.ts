// Parameter uncertainty in `jaksim predict` (issue 15 point 2): the conditioning runs once per posterior draw of the
// calibration and the runs are pooled. Limiting case: with every posterior draw equal to the point estimate the
// interval is the Monte Carlo one of a run without parameter draws. With no history every weight is 1, so the
// pooled rate is the plain mean of the runs of each posterior draw on its own (checked against those runs); with
// draws of a known spread the interval holds the Monte Carlo one and is wider where the drugs' parameters matter.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parameterScenarios, predictScenario, runPredict } from '../../src/app/predict.js';
import { Engine } from '../../src/engine/pool.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-predict-params-'));
const engine = new Engine({ workers: 1 });
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const DRUGS = '[baricitinib-4mg, ritlecitinib-50mg, deuruxolitinib-8mg]';
const BARI = { salt0: 90, durYears: 3.5, minoxidil: false, history: [{ drug: 'baricitinib-4mg', start: 0, salt: [{ month: 3, value: 80 }, { month: 6, value: 70 }] }] };

/** A scenario file on a copy of the shipped calibrated catalog whose posterior draws are `draws` (written beside it). */
function scenarioWithDraws(name: string, draws: unknown): string {
  const catalog = join(dir, `${name}.catalog.yaml`);
  writeFileSync(catalog, readFileSync('scenarios/catalog.calibrated.yaml', 'utf8').replace('file: ../data/catalog.calibrated.draws.json', `file: ${name}.draws.json`));
  writeFileSync(join(dir, `${name}.draws.json`), JSON.stringify(draws));
  const scenario = join(dir, `${name}.yaml`);
  writeFileSync(scenario, `name: ${name}\ncatalog: { file: ${name}.catalog.yaml, drugs: ${DRUGS} }\npolicies: [{ id: p, sequence: [baricitinib-4mg] }]\n`);
  return scenario;
}

const shipped = JSON.parse(readFileSync('data/catalog.calibrated.draws.json', 'utf8')) as {
  draws: number; drugs: Record<string, { mu: number[]; tau: number[] }>; globals: Record<string, number[]>;
  estimate: { drugs: Record<string, { mu: number; tau: number }>; globals: Record<string, number> };
};

describe('predict over posterior draws', () => {
  it('with every posterior draw equal to the point estimate, the interval is the Monte Carlo one', async () => {
    const equal = structuredClone(shipped);
    for (const [id, d] of Object.entries(equal.drugs)) {
      d.mu = d.mu.map(() => equal.estimate.drugs[id].mu);
      d.tau = d.tau.map(() => equal.estimate.drugs[id].tau);
    }
    for (const g of Object.keys(equal.globals)) equal.globals[g] = equal.globals[g].map(() => equal.estimate.globals[g]);
    const scenario = scenarioWithDraws('equal', equal);
    const inputs = { patient: 'bari.yaml', patientDoc: BARI, scenario, draws: 8192, sdObs: 5, seed: 3 };
    const over = await runPredict({ ...inputs, parameterDraws: 4 }, engine);
    const alone = await runPredict({ ...inputs, parameterDraws: 0 }, engine);
    expect(over.parameterDraws).toBe(4);
    expect(alone.parameterDraws).toBe(0);
    expect(over.ess).toBeCloseTo(alone.ess, 6);
    over.options.forEach((o, i) => {
      const a = alone.options[i];
      expect(a.responseByMonteCarlo).toBeUndefined();
      o.responseBy.forEach((p, m) => {
        for (const k of ['rate', 'lo', 'hi'] as const) expect(p[k], `${o.option} month ${m + 1} ${k}`).toBeCloseTo(a.responseBy[m][k], 12);
        // The parameter part is nothing: the interval is the Monte Carlo part alone.
        expect(p.lo).toBeCloseTo(o.responseByMonteCarlo![m].lo, 12);
        expect(p.hi).toBeCloseTo(o.responseByMonteCarlo![m].hi, 12);
      });
      expect(o.expectedMonthsToResponse).toBeCloseTo(a.expectedMonthsToResponse, 10);
    });
  });

  it('with no history the pooled rate is the mean of each posterior draw\'s own run; the interval holds the Monte Carlo one', async () => {
    const untreated = { salt0: 80, durYears: 2, minoxidil: false, history: [] };
    const k = 3;
    const draws = 8192;
    // Posterior draws with a known spread (each drug's mu moved linearly over the file, from -1 to +1 around the
    // estimate), so that the test does not depend on how much the shipped calibration's draws vary.
    const spread = structuredClone(shipped);
    for (const [id, d] of Object.entries(spread.drugs)) d.mu = d.mu.map((_, j) => spread.estimate.drugs[id].mu + 2 * (j / spread.draws - 0.5));
    const file = scenarioWithDraws('spread', spread);
    const r = await runPredict({ patient: 'new.yaml', patientDoc: untreated, scenario: file, draws, sdObs: 5, seed: 5, parameterDraws: k }, engine);
    // The same posterior draws' scenarios, each run on its own without parameter draws.
    const { scenarios } = parameterScenarios(predictScenario(file), file, k);
    const each = await Promise.all(scenarios.map((s) => runPredict({ patient: 'new.yaml', patientDoc: untreated, scenarioValue: s, draws, sdObs: 5, seed: 5 }, engine)));
    expect(r.ess).toBe(draws); // no history: every weight is 1
    let wider = 0;
    r.options.forEach((o, i) => {
      o.responseBy.forEach((p, m) => {
        const rates = each.map((e) => e.options[i].responseBy[m].rate);
        const mean = rates.reduce((a, b) => a + b, 0) / k;
        expect(p.rate).toBeCloseTo(mean, 12);
        const mc = o.responseByMonteCarlo![m];
        expect(p.lo).toBeLessThanOrEqual(mc.lo + 1e-15);
        expect(p.hi).toBeGreaterThanOrEqual(mc.hi - 1e-15);
        // Half-widths: the Monte Carlo part and the spread of the draws' rates, in quadrature.
        const sd = Math.sqrt(rates.reduce((a, x) => a + (x - mean) ** 2, 0) / k);
        if (p.hi < 1) expect(p.hi - p.rate).toBeCloseTo(Math.hypot(mc.hi - p.rate, 1.959963984540054 * sd), 12);
        if (sd > 0.01) wider++;
      });
    });
    // The draws' spread in mu moves response by more than Monte Carlo noise: the spread shows in the interval.
    expect(wider).toBeGreaterThan(10);
  });

  it('a scenario file without catalog: (the shipped calibrated drugs) gets the shipped posterior draws', () => {
    const s = join(dir, 'no-catalog.yaml');
    writeFileSync(s, 'name: no-catalog\ncorrelation: { rhoMolecule: 0.9, rhoClass: 0.2 }\npolicies: [{ id: p, sequence: [baricitinib-4mg] }]\n');
    const ps = parameterScenarios(predictScenario(s), s, undefined);
    expect(ps.parameterDraws).toBe(10);
    expect(ps.drawsFile).toMatch(/data\/catalog\.calibrated\.draws\.json$/);
    // Draws floor((k + 1/2) D / 10) of the file, k = 0..9, each with the scenario's own rhoClass.
    const picks = Array.from({ length: 10 }, (_, k) => Math.floor(((k + 0.5) * shipped.draws) / 10));
    expect(ps.scenarios.map((x) => x.catalog.find((d) => d.id === 'baricitinib-4mg')!.mu)).toEqual(picks.map((j) => shipped.drugs['baricitinib-4mg'].mu[j]));
    expect(ps.scenarios.every((x) => x.correlation.rhoClass === 0.2)).toBe(true);
  });

  it('refuses parameter draws of a catalog without posterior draws', async () => {
    const s = join(dir, 'inline.yaml');
    writeFileSync(s, 'name: inline\ncatalog: [{ id: a, molecule: a, mu: 0.5, tau: 4, aeRate: 0.01 }]\npolicies: [{ id: p, sequence: [a] }]\n');
    await expect(runPredict({ patient: 'x.yaml', patientDoc: { salt0: 80, durYears: 2, minoxidil: false }, scenario: s, draws: 2000, sdObs: 5, seed: 1, parameterDraws: 3 }, engine))
      .rejects.toThrow(/--parameter-draws: 3 posterior draws asked for, but .*inline.yaml's catalog has no posterior draws/);
    // Absent, the default is no parameter draws for such a catalog.
    const r = await runPredict({ patient: 'x.yaml', patientDoc: { salt0: 80, durYears: 2, minoxidil: false }, scenario: s, draws: 2000, sdObs: 5, seed: 1 }, engine);
    expect(r.parameterDraws).toBe(0);
  });
});
