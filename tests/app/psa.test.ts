// jaksim psa against independent truths: with every distribution fixed it is the run itself; a drug's mu drawn
// from a normal gives, through a closed-form one-drug case, the analytic uncertainty interval; EVPI is 0 when one
// policy is best in every draw; the same bytes for 1 and 2 workers.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runPsa as runOrStop, type PsaInputs } from '../../src/app/psa.js';
import { resolveScenario, simulateScenario } from '../../src/app/run.js';
import { Engine } from '../../src/engine/pool.js';
import { phi } from '../../src/model/normal.js';
import { SCRIPT_CONTEXT } from '../../src/app/context.js';
import { normalQuantile } from '../../src/stats/special.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-psa-'));
const out = join(dir, 'results');
let engine: Engine;
beforeAll(() => { engine = new Engine({ workers: 1 }); });
afterAll(async () => { await engine.close(); });

/** A PSA that must finish (none of these has a checkpoint that could stop it). */
async function runPsa(inputs: PsaInputs, e: Engine, ctx = SCRIPT_CONTEXT) {
  const o = await runOrStop(inputs, e, ctx);
  if (o.kind !== 'done') throw new Error('stopped');
  return o;
}

function scenarioFile(name: string, doc: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, YAML.stringify({ name, ...doc }));
  return file;
}

const TWO_POLICIES = {
  seed: 11,
  horizon: 24,
  policies: [
    { id: 'fail-6mo', sequence: ['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg'], failAtMonths: 6 },
    { id: 'fail-9mo', sequence: ['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg'], failAtMonths: 9 },
  ],
};

describe('jaksim psa', () => {
  it('with every distribution fixed equals the run of the same patients exactly', async () => {
    const file = scenarioFile('all-fixed', {
      ...TWO_POLICIES,
      uncertainty: { parameters: { 'correlation.rhoClass': { dist: 'fixed' }, 'catalog[0].mu': { dist: 'fixed' }, 'globals.tauOff': { dist: 'fixed', value: 3 } } },
    });
    const psa = await runPsa({ scenario: file, draws: 4, patientsPerDraw: 6000, out }, engine, SCRIPT_CONTEXT);
    const s = resolveScenario({ scenario: file, patients: 6000 });
    s.globals.tauOff = 3;
    const run = await simulateScenario(s, engine);
    expect(psa.result.parameters).toEqual([]);
    psa.result.policies.forEach((p, j) => p.cumulative.forEach((c, v) => {
      const rate = run.policies[j].cumulative[v].rate;
      expect([c.mean, c.lo, c.hi]).toEqual([rate, rate, rate]);
      expect(p.point[v].mean).toBe(run.policies[j].point[v].rate);
    }));
    psa.result.comparisons[0].cumulative.forEach((d, v) => {
      expect([d.mean, d.lo, d.hi]).toEqual(Array(3).fill(run.comparisons[0].cumulative[v].diff));
    });
    expect(psa.result.voi.evpi).toBe(0);
    // psa.csv holds each draw's own curve: the run's, draw by draw.
    const csv = readFileSync(join(psa.folder, 'psa.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(csv).toHaveLength(4 * 2 * 24);
    for (const [, policy, month, cumulative] of csv) {
      const p = run.policies.find((x) => x.id === policy)!;
      expect(Number(cumulative)).toBe(p.cumulative[Number(month) - 1].rate);
    }
  });

  it('draws mu from a normal: the uncertainty interval of a closed-form one-drug response is the analytic one', async () => {
    // One drug kept to the horizon, no adverse events, no worsening, SALT0 = 60, no covariates, sTau 0: a patient
    // has responded by month 12 iff Phi(mu + Z) h(12) >= 1 - 20/60, so the rate is r(mu) = Phi(mu - q) with
    // q = Phi^-1((2/3) / h(12)), h(12) = 1 - exp(-(12/4)^2); with mu ~ N(m, s^2) its 95% interval is
    // [r(m - 1.96 s), r(m + 1.96 s)] and its mean Phi((m - q) / sqrt(1 + s^2)).
    const [m, sd] = [0.3, 0.4];
    const file = scenarioFile('closed-form', {
      seed: 5, horizon: 12, visitEveryMonths: 12,
      population: { salt0: [{ min: 60, max: 60.000001, weight: 1 }], durYears: { median: 3.5, sdlog: 0, min: 0.5, max: 20 }, minoxidilShare: 0, worseningShare: 0 },
      globals: { sigma: 1, k: 2, sTau: 0, betaDur: 0, betaMinoxidil: 0, betaVerySevere: 0 },
      catalog: [{ id: 'drug-a', mu: m, tau: 4, aeRate: 0 }],
      policies: [{ id: 'stay', sequence: ['drug-a'], failAtMonths: 100, afterLastLine: 'stay' }],
      uncertainty: { parameters: { 'catalog[0].mu': { dist: 'normal', mean: m, sd } } },
    });
    const draws = 2000;
    const n = 4096;
    const psa = await runPsa({ scenario: file, draws, patientsPerDraw: n, out }, engine, SCRIPT_CONTEXT);
    const q = normalQuantile((2 / 3) / (1 - Math.exp(-9)));
    const r = (mu: number) => phi(mu - q);
    const density = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const z = 1.959963984540054;
    const c = psa.result.policies[0].cumulative[0];
    for (const [est, mu] of [[c.lo, m - z * sd], [c.hi, m + z * sd]]) {
      // SE of an empirical 2.5% quantile of mu, sqrt(p (1 - p) / D) / density, carried through r; plus one draw's binomial SE.
      const seQuantile = density(mu - q) * sd * Math.sqrt(0.025 * 0.975 / draws) / density(z);
      const seMc = Math.sqrt(r(mu) * (1 - r(mu)) / n);
      expect(Math.abs(est - r(mu))).toBeLessThan(4 * Math.hypot(seQuantile, seMc));
    }
    const mean = phi((m - q) / Math.sqrt(1 + sd * sd));
    expect(Math.abs(c.mean - mean)).toBeLessThan(4 * Math.hypot(c.sd / Math.sqrt(draws), Math.sqrt(mean * (1 - mean) / n)));
    // The Monte Carlo half-width is that of one draw: 1.96 sqrt(mean p(1-p) / N), far below the parameter spread here.
    expect(c.mcHalfWidth).toBeGreaterThan(0.5 * z * Math.sqrt(0.2 / n));
    expect(c.mcHalfWidth).toBeLessThan(c.hi - c.lo);
  });

  it('gives EVPI 0, and the dominant policy best with probability 1, when it is better in every draw', async () => {
    const file = scenarioFile('dominance', {
      seed: 3, horizon: 12,
      catalog: [{ id: 'weak', mu: -2, tau: 5, aeRate: 0.002 }, { id: 'strong', mu: 1.5, tau: 5, aeRate: 0.002 }],
      policies: [{ id: 'weak-first', sequence: ['weak'], afterLastLine: 'stay' }, { id: 'strong-first', sequence: ['strong'], afterLastLine: 'stay' }],
      uncertainty: { parameters: { 'catalog[0].mu': { dist: 'uniform', min: -2.5, max: -1.5 }, 'catalog[1].mu': { dist: 'uniform', min: 1, max: 2 }, 'correlation.rhoClass': { dist: 'beta', alpha: 2, beta: 2 } } },
    });
    const psa = await runPsa({ scenario: file, draws: 60, patientsPerDraw: 4096, out }, engine, SCRIPT_CONTEXT);
    const last = psa.result.comparisons[0].cumulative.at(-1)!;
    expect(last.pBetter).toBe(1);
    expect(last.lo).toBeGreaterThan(0);
    expect(psa.result.bestPolicy.at(-1)!.probability).toEqual({ 'weak-first': 0, 'strong-first': 1 });
    expect(psa.result.voi.evpi).toBe(0);
    expect(psa.result.voi.evppi.every((e) => e.value === 0)).toBe(true);
    // The tornado: each drug's mu moves the difference; rhoClass (no patient takes both drugs) changes which
    // patients have which Z_2 = rho e_1 + sqrt(1 - rho^2) e_2 but not its law: Monte Carlo noise only.
    const bars = psa.result.tornado[0].bars;
    expect(bars.map((b) => b.path)).toEqual(['catalog[1].mu', 'catalog[0].mu', 'correlation.rhoClass']);
    expect(bars[2].swing).toBeLessThan(4 * Math.sqrt(2 * 0.25 / 4096));
  });

  it('writes the same psa.csv and psa.json with 1 and 2 workers', async () => {
    const file = scenarioFile('workers', {
      ...TWO_POLICIES,
      uncertainty: {
        parameters: { 'correlation.rhoClass': { dist: 'uniform', min: 0, max: 1 }, 'catalog[2].tau': { dist: 'lognormal', median: 4.5, sdlog: 0.2 }, 'population.minoxidilShare': { dist: 'beta', alpha: 3, beta: 7 } },
        groups: { onset: ['catalog[2].tau', 'rhoClass'] },
      },
    });
    const folders: string[] = [];
    for (const workers of [1, 2]) {
      const e = new Engine({ workers });
      try {
        folders.push((await runPsa({ scenario: file, draws: 12, patientsPerDraw: 5000, out: join(dir, `w${workers}`) }, e, SCRIPT_CONTEXT)).folder);
      } finally {
        await e.close();
      }
    }
    const stable = (f: string) => JSON.stringify({ ...JSON.parse(readFileSync(join(f, 'psa.json'), 'utf8')), workers: 0 });
    expect(readFileSync(join(folders[1], 'psa.csv'), 'utf8')).toBe(readFileSync(join(folders[0], 'psa.csv'), 'utf8'));
    expect(readFileSync(join(folders[1], 'psa-parameters.csv'), 'utf8')).toBe(readFileSync(join(folders[0], 'psa-parameters.csv'), 'utf8'));
    expect(stable(folders[1])).toBe(stable(folders[0]));
    expect(readdirSync(folders[0]).sort()).toEqual(['psa-parameters.csv', 'psa.csv', 'psa.json', 'report.html']);
    const doc = JSON.parse(readFileSync(join(folders[0], 'psa.json'), 'utf8'));
    expect(doc.voi.evppi.map((e: { name: string }) => e.name)).toEqual(['rhoClass', 'tau of deuruxolitinib-8mg', 'minoxidilShare', 'onset']);
  });

  it('stopped with --checkpoint, resumes to the same results as an uninterrupted analysis', async () => {
    const file = scenarioFile('resume', {
      ...TWO_POLICIES, uncertainty: { parameters: { 'correlation.rhoClass': { dist: 'uniform', min: 0, max: 1 }, 'catalog[0].tau': { dist: 'lognormal', median: 5, sdlog: 0.2 } } },
    });
    const inputs = { scenario: file, draws: 8, patientsPerDraw: 9000, out: join(dir, 'resume') };
    let calls = 0;
    const stopped = await runOrStop({ ...inputs, checkpoint: true }, engine, { command: '', onProgress: () => { calls++; }, shouldStop: () => calls >= 7 });
    expect(stopped.kind).toBe('stopped');
    if (stopped.kind !== 'stopped') return;
    expect(stopped.saved).toBeGreaterThanOrEqual(7);
    expect(stopped.saved).toBeLessThan(stopped.blockCount);
    const logs: string[] = [];
    const resumed = await runPsa({ ...inputs, checkpoint: true }, engine, { command: '', log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(new RegExp(`resuming: ${stopped.saved} of ${stopped.blockCount} \\(draw, block\\) units already saved`));
    const whole = await runPsa({ ...inputs, out: join(dir, 'whole') }, engine);
    expect(readFileSync(join(resumed.folder, 'psa.csv'), 'utf8')).toBe(readFileSync(join(whole.folder, 'psa.csv'), 'utf8'));
    expect(JSON.stringify(resumed.result)).toBe(JSON.stringify(whole.result));
    // The checkpoint is removed once the results are written.
    expect(readdirSync(join(dir, 'resume', 'resume')).filter((f) => f.startsWith('.psa-checkpoint'))).toEqual([]);
  });

  it('in 3 shards merged equals the analysis on one machine; a missing shard or another analysis is refused', async () => {
    const file = scenarioFile('shards', {
      ...TWO_POLICIES, uncertainty: { parameters: { 'correlation.rhoClass': { dist: 'uniform', min: 0, max: 1 } } },
    });
    const inputs = { scenario: file, draws: 6, patientsPerDraw: 9000, out: join(dir, 'shards') };
    const folders: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const o = await runOrStop({ ...inputs, shard: { index: i, count: 3 } }, engine, SCRIPT_CONTEXT);
      if (o.kind !== 'shard') throw new Error('expected a shard');
      folders.push(o.folder);
      // 6 draws + the base run + 2 tornado runs, 3 blocks each: 27 units, 9 per shard.
      expect([o.units, o.totalUnits]).toEqual([9, 27]);
    }
    expect(new Set(folders).size).toBe(1);
    const merged = await runPsa({ ...inputs, merge: [folders[0]] }, engine);
    const whole = await runPsa({ ...inputs, out: join(dir, 'shards-whole') }, engine);
    expect(readFileSync(join(merged.folder, 'psa.csv'), 'utf8')).toBe(readFileSync(join(whole.folder, 'psa.csv'), 'utf8'));
    expect(JSON.stringify(merged.result)).toBe(JSON.stringify(whole.result));
    const files = readdirSync(folders[0]).map((f) => join(folders[0], f));
    await expect(runOrStop({ ...inputs, merge: files.slice(0, 2) }, engine, SCRIPT_CONTEXT)).rejects.toThrow(/9 of 27 \(draw, block\) units are missing: shard 3\/3 not given/);
    await expect(runOrStop({ ...inputs, merge: [files[0], files[0]] }, engine, SCRIPT_CONTEXT)).rejects.toThrow(/unit 0 is covered twice/);
    await expect(runOrStop({ ...inputs, seed: 12, merge: [folders[0]] }, engine, SCRIPT_CONTEXT)).rejects.toThrow(/a shard of another analysis/);
  });
});
