// Kept patient variates (engine/patientVariates.ts): a block simulated from the variates a thread keeps gives
// the same bytes as drawing its patients from the stream, under other parameter values than those of the run
// that kept them, for the blocks that keep them (trial mode, prediction) and with the version-2 draws on;
// a change of draw shape (a mechanism switched on, another catalog size) is never served stale variates, nor
// a change of population stale covariates; the store stays within its budget.
import { afterAll, describe, expect, it } from 'vitest';
import { predictSumsHere, planPrediction } from '../../src/app/predictCore.js';
import { blockCovariates, blockVariates, keptVariates, VARIATE_BUDGET_BYTES } from '../../src/engine/patientVariates.js';
import { Engine } from '../../src/engine/pool.js';
import { planBlocks, runTrialBlock, splitBlock } from '../../src/engine/runBlock.js';
import { validatePatient } from '../../src/io/patientFacts.js';
import { compileScenario, type CompiledScenario } from '../../src/model/compile.js';
import type { Scenario } from '../../src/model/scenario.js';
import { Patient, covariateStride, drawPatient, patientFromVariates, variateStride } from '../../src/model/population.js';
import { SELECT_NON_RESPONDERS, type TrialSpec } from '../../src/model/trial.js';
import { streamFor } from '../../src/rng/streams.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

const PATIENTS = 10_000; // 3 blocks, the last one short

function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** The all-rules scenario with overrides of its globals, catalog and population (version-2 mechanisms among them). */
function variant(
  globals: Record<string, number>, catalogPatch: Record<string, number> = {}, seed = 777, population: Record<string, unknown> = {},
): CompiledScenario {
  return compileScenario(variantScenario(globals, catalogPatch, seed, population));
}

function variantScenario(
  globals: Record<string, number>, catalogPatch: Record<string, number> = {}, seed = 777, population: Record<string, unknown> = {},
): Scenario {
  const doc = allRulesDoc(PATIENTS, seed) as { globals: Record<string, number>; catalog: Record<string, unknown>[]; population: Record<string, unknown> };
  return scenario({
    ...doc,
    globals: { ...doc.globals, ...globals },
    catalog: doc.catalog.map((d) => ({ ...d, ...catalogPatch })),
    population: { ...doc.population, ...population },
  });
}

const TRIAL: TrialSpec = {
  drug: 0, months: Float64Array.from([3, 6, 9, 12]), thresholds: Float64Array.from([20, 10]),
  bandLo: Float64Array.from([50, 95]), bandHi: Float64Array.from([95, 100]),
};

describe('kept patient variates', () => {
  const engines = [new Engine({ workers: 1 }), new Engine({ workers: 2 })];
  afterAll(async () => { await Promise.all(engines.map((e) => e.close())); });

  it('patientFromVariates of drawn variates and their kept covariates is drawPatient, attribute by attribute (version-2 draws on)', () => {
    for (const [seed, index, k] of [[777, 1, 2], [778, 0, 1.31]]) {
      const c = variant({ sTauOff: 0.5, k }, { escapeRate: 0.02 }, seed);
      const stride = variateStride(c);
      expect(stride).toBe(6 + 3 * 3 + 1 + 3);
      const v = blockVariates(c, { index, size: 500 });
      const cov = blockCovariates(c, { index, size: 500 }, v);
      expect(cov.length).toBe(500 * covariateStride(c));
      const rng = streamFor(c.seed, index);
      const a = new Patient(c.drugCount);
      const b = new Patient(c.drugCount);
      let worsening = 0;
      for (let i = 0; i < 500; i++) {
        drawPatient(rng, c, a);
        patientFromVariates(c, v, i * stride, b, cov, i * covariateStride(c));
        expect([b.salt0, b.durYears, b.minoxidil, b.omega, b.invTauOff]).toEqual([a.salt0, a.durYears, a.minoxidil, a.omega, a.invTauOff]);
        for (const key of ['potential', 'invTau', 'invTauK', 'aeMonths', 'escapeMonths'] as const) expect(Array.from(b[key])).toEqual(Array.from(a[key]));
        // (1 / tau)^k: written for k != 2 (onsetPowerAt's months^k (1 / tau)^k), unused for k = 2.
        for (let d = 0; d < c.drugCount; d++) {
          if (k === 2) expect(a.invTauK[d]).toBe(0);
          else expect(Math.abs(a.invTauK[d] / a.invTau[d] ** k - 1)).toBeLessThan(1e-13);
        }
        if (a.omega > 0) worsening++;
      }
      expect(worsening).toBeGreaterThan(0); // the worsening rate's covariate is exercised
    }
  });

  it('kept covariates follow the population and the spreads: another on the same variates is never served stale ones', () => {
    const populations: Record<string, unknown>[] = [
      {},
      { salt0: [{ min: 50, max: 75, weight: 1 }, { min: 75, max: 100, weight: 3 }] },
      { durYears: { median: 8, sdlog: 1.1, min: 1, max: 30 } },
      { minoxidilShare: 0.8, worseningShare: 0.6, worseningMean: 3 },
    ];
    // One draw shape (escape on, the offset patient-specific: its residual enters the counts); the last three
    // change only sTau, sTauOff or k.
    const escape = { escapeRate: 0.05 };
    const runs = [
      ...populations.map((pop) => variant({ sTauOff: 0.3 }, escape, 779, pop)),
      variant({ sTauOff: 0.3, sTau: 0.9 }, escape, 779),
      variant({ sTauOff: 1.2 }, escape, 779),
      variant({ sTauOff: 0.3, k: 1.31 }, escape, 779),
    ];
    for (const c of runs) for (const b of planBlocks(PATIENTS)) runTrialBlock(c, TRIAL, b, true); // all kept
    const counts = runs.map((c) => planBlocks(PATIENTS).map((b) => {
      const kept = runTrialBlock(c, TRIAL, b, true);
      expect(sameBytes(kept, runTrialBlock(c, TRIAL, b, false)), `block ${b.index}`).toBe(true);
      return kept;
    }));
    // The runs differ in their counts (else this would not show stale covariates).
    for (let i = 1; i < runs.length; i++) expect(sameBytes(counts[i][0], counts[0][0])).toBe(false);
  });

  it('trial blocks: kept under one parameter set, replayed under others (another draw shape among them), the bytes of fresh draws', () => {
    const first = variant({});
    const others = [
      variant({ sigma: 1.4, sTau: 0.8, k: 1.7 }),
      variant({}, { mu: 0.9, tau: 3, aeRate: 0.1 }),
      variant({ sTauOff: 0.5 }, { escapeRate: 0.02 }), // another draw shape: its own variates
      variant({ sTauOff: 0.5 }, { escapeRate: 0.02, mu: -0.2 }),
    ];
    for (const b of planBlocks(PATIENTS)) runTrialBlock(first, TRIAL, b, true);
    for (const c of [first, ...others]) {
      for (const b of planBlocks(PATIENTS)) {
        expect(sameBytes(runTrialBlock(c, TRIAL, b, true), runTrialBlock(c, TRIAL, b, false)), `block ${b.index}`).toBe(true);
      }
    }
  });

  it('trial blocks and prediction sums: replayed equal fresh, on 1 and 2 workers', async () => {
    const c = variant({ sTauOff: 0.3 }, { escapeRate: 0.01 });
    const d = variant({ sTauOff: 0.3, sigma: 0.7 }, { escapeRate: 0.03, mu: 0.8 });
    for (const s of [c, d]) {
      for (const b of planBlocks(PATIENTS)) expect(sameBytes(runTrialBlock(s, TRIAL, b, true), runTrialBlock(s, TRIAL, b, false))).toBe(true);
    }
    const s = scenario(allRulesDoc(PATIENTS));
    const facts = validatePatient({ salt0: 90, durYears: 4, minoxidil: true, history: [{ drug: 'baricitinib-4mg', start: 0, salt: [{ month: 3, value: 80 }, { month: 6, value: 70 }] }] },
      'patient.yaml', s.catalog.map((x) => x.id));
    const plan = planPrediction(s, facts, 5, 'patient.yaml');
    const compiled = compileScenario(s);
    const fresh = predictSumsHere(compiled, plan.spec); // the clinic page's path: drawn from the stream
    for (const engine of engines) {
      for (let repeat = 0; repeat < 2; repeat++) expect(sameBytes(await engine.predict(compiled, plan.spec), fresh)).toBe(true);
    }
  });

  it('a trial block cut into parts (kept variates or the stream) adds up to the whole block; Engine.trial on 2 workers equals 1', async () => {
    const c = variant({ sTauOff: 0.3 }, { escapeRate: 0.01, mu: 0.5 });
    const designed: TrialSpec = { ...TRIAL, design: { atMonths: 6, select: SELECT_NON_RESPONDERS, then: 1 } }; // non-responders at 6 months move to drug 1
    for (const spec of [TRIAL, designed]) {
      for (const b of planBlocks(PATIENTS)) {
        const whole = runTrialBlock(c, spec, b, false);
        for (const parts of [2, 3, 7]) {
          const ranges = splitBlock(b, parts);
          expect(ranges[0].from).toBe(0);
          expect(ranges.at(-1)!.to).toBe(b.size);
          for (const reuse of [false, true]) {
            const sum = new Float64Array(whole.length);
            for (const r of ranges) runTrialBlock(c, spec, b, reuse, r).forEach((x, i) => { sum[i] += x; });
            expect(sameBytes(sum, whole), `block ${b.index}, ${parts} parts, reuse ${reuse}`).toBe(true);
          }
        }
      }
      const one = compileScenario({ ...scenario(allRulesDoc(3000)), seed: 99 }); // one short block: cut in two on 2 workers
      expect(sameBytes(await engines[1].trial(one, spec), await engines[0].trial(one, spec))).toBe(true);
    }
  });

  it('Engine.trialRuns (a calibration evaluation: several runs, one task a worker) equals Engine.trial run by run', async () => {
    const runs = [
      { scenario: { ...scenario(allRulesDoc(2048)), seed: 31 }, trial: TRIAL },
      { scenario: { ...scenario(allRulesDoc(9000)), seed: 32 }, trial: { ...TRIAL, design: { atMonths: 6, select: SELECT_NON_RESPONDERS, then: 2 } } },
      { scenario: variantScenario({ sTauOff: 0.3 }, { escapeRate: 0.02 }), trial: TRIAL },
      { scenario: { ...scenario(allRulesDoc(5)), seed: 33 }, trial: TRIAL }, // fewer patients than some parts need
    ];
    const expected = await Promise.all(runs.map((r) => engines[0].trial(compileScenario(r.scenario), r.trial)));
    for (const engine of engines) {
      const got = await engine.trialRuns(runs);
      got.forEach((g, i) => expect(sameBytes(g, expected[i]), `run ${i} on ${engine.workers} worker(s)`).toBe(true));
    }
    expect(await engines[1].trialRuns([])).toEqual([]);
  });

  it('the store keeps within its budget, dropping the least recently used blocks', () => {
    const c = variant({}, {}, 4242);
    const stride = variateStride(c);
    const blockBytes = 4096 * stride * 8;
    const blocks = Math.ceil(VARIATE_BUDGET_BYTES / blockBytes) + 3;
    const oldest = blockVariates(c, { index: 0, size: 4096 });
    for (let i = 1; i < blocks; i++) {
      blockVariates(c, { index: i, size: 4096 });
      expect(keptVariates().bytes).toBeLessThanOrEqual(VARIATE_BUDGET_BYTES);
    }
    // Block 0 was dropped: asking again draws it anew (another array), with the same numbers.
    const again = blockVariates(c, { index: 0, size: 4096 });
    expect(again).not.toBe(oldest);
    expect(sameBytes(again, oldest)).toBe(true);
    // The block just used is the most recent: asked again, it is the same array.
    expect(blockVariates(c, { index: 0, size: 4096 })).toBe(again);
  });
});
