// `jaksim psa` on the command line: a bad uncertainty section or flag is one line and exit 2 with nothing written;
// from: calibration takes the calibrated catalog's posterior draws; --json prints the document; the report loads
// in Chromium with its charts.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { visitReport } from '../io/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-psa-cli-'));

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const base = () => ({
  name: 'psa-cli',
  seed: 4,
  horizon: 12,
  catalog: [
    { id: 'bari', mu: 0.3, tau: 5, aeRate: 0.002, monthlyPrice: 5000 },
    { id: 'ritle', mu: 0.1, tau: 5, aeRate: 0.002, monthlyPrice: 4000 },
  ],
  policies: [
    { id: 'fail-3mo', sequence: ['bari', 'ritle'], failAtMonths: 3 },
    { id: 'fail-6mo', sequence: ['bari', 'ritle'], failAtMonths: 6 },
  ],
});

function write(name: string, doc: unknown): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, YAML.stringify(doc));
  return file;
}

async function psa(file: string, extra: string[] = []) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const draws = extra.includes('--draws') ? [] : ['--draws', '20'];
  const r = await cli(['psa', file, ...draws, '--patients-per-draw', '2000', '--workers', '1', '--out', out, ...extra]);
  return { ...r, folder: out, wrote: existsSync(out) && readdirSync(out).length > 0 };
}

describe('jaksim psa: bad input', () => {
  const cases: [string, (d: Record<string, unknown>) => unknown, string[], RegExp][] = [
    ['an unknown distribution', (d) => ({ ...d, uncertainty: { parameters: { rhoClass: { dist: 'gamma', shape: 2 } } } }), [],
      /uncertainty\.parameters\.rhoClass\.dist: expected one of fixed, uniform, beta, normal, lognormal \(or from: calibration without dist\), got "gamma"/],
    ['a missing parameter of a distribution', (d) => ({ ...d, uncertainty: { parameters: { rhoClass: { dist: 'beta', alpha: 2 } } } }), [],
      /uncertainty\.parameters\.rhoClass\.beta: expected a finite number, got nothing/],
    ['a negative sd', (d) => ({ ...d, uncertainty: { parameters: { 'catalog[0].mu': { dist: 'normal', mean: 0.3, sd: -1 } } } }), [],
      /uncertainty\.parameters\.catalog\[0\]\.mu\.sd: expected a number > 0, got -1/],
    ['an empty uniform', (d) => ({ ...d, uncertainty: { parameters: { rhoClass: { dist: 'uniform', min: 1, max: 0 } } } }), [],
      /uncertainty\.parameters\.rhoClass: expected min < max, got min 1, max 0/],
    ['an unknown field', (d) => ({ ...d, uncertainty: { parameters: { colour: { dist: 'uniform', min: 0, max: 1 } } } }), [],
      /uncertainty\.parameters: "colour" is not a scenario field/],
    ['a field that is not a number', (d) => ({ ...d, uncertainty: { parameters: { 'policy.afterLastLine': { dist: 'uniform', min: 0, max: 1 } } } }), [],
      /expected a numeric scenario field/],
    ['an unknown key in the section', (d) => ({ ...d, uncertainty: { params: {} } }), [], /uncertainty\.params: expected no such field/],
    ['from: calibration with an inline catalog', (d) => ({ ...d, uncertainty: { parameters: { 'catalog[0].mu': { from: 'calibration' } } } }), [],
      /from: calibration needs a calibrated catalog with posterior draws/],
    ['a group of a parameter that is not uncertain', (d) => ({ ...d, uncertainty: { parameters: { rhoClass: { dist: 'uniform', min: 0, max: 1 } }, groups: { g: ['catalog[0].mu'] } } }), [],
      /uncertainty\.groups\.g: "catalog\[0\]\.mu" is not an uncertain parameter/],
    ['a draw outside the field\'s range', (d) => ({ ...d, uncertainty: { parameters: { rhoClass: { dist: 'normal', mean: 0.5, sd: 2 } } } }), [],
      /draw \d+ \(correlation\.rhoClass = .*\): .*correlation\.rhoClass: expected a number .* give that parameter a distribution within the field's range/],
    ['a decision month off the visit grid', (d) => d, ['--decision-month', '7.5'], /--decision-month: expected a visit month \(1, 2, \.\.\. up to 12\), got 7\.5/],
    ['--wtp without prices', (d) => { (d.catalog as { monthlyPrice?: number }[]).forEach((x) => delete x.monthlyPrice); return d; }, ['--wtp', '100000'], /--wtp: net benefit needs a monthly price/],
    ['one draw', (d) => d, ['--draws', '1'], /--draws: expected a whole number from 2/],
  ];
  for (const [what, edit, flags, message] of cases) {
    it(what, async () => {
      const r = await psa(write('bad', edit(base())), flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.wrote).toBe(false);
    });
  }
});

describe('jaksim psa: from: calibration, --json and the report', () => {
  it('draws the calibrated parameters jointly from the catalog\'s posterior draws', async () => {
    const draws = {
      format: 'jaksim-posterior-draws', formatVersion: 1, method: 'test', seed: 1, proposals: 3, draws: 3, ess: 3, maxWeight: 0.34,
      drugs: { bari: { mu: [0.2, 0.3, 0.4], tau: [4, 5, 6] }, ritle: { mu: [0.0, 0.1, 0.2], tau: [4.5, 5, 5.5] } },
      globals: { betaVerySevere: [-0.4, -0.5, -0.6] },
      estimate: { drugs: { bari: { mu: 0.3, tau: 5 }, ritle: { mu: 0.1, tau: 5 } }, globals: { betaVerySevere: -0.5 } },
    };
    writeFileSync(join(dir, 'cat.draws.json'), JSON.stringify(draws));
    writeFileSync(join(dir, 'cat.yaml'), YAML.stringify({
      drugs: base().catalog, globals: { betaVerySevere: -0.5 }, posterior: { file: 'cat.draws.json' },
    }));
    const { catalog: _c, ...rest } = base();
    const file = write('calibrated', { ...rest, catalog: { file: 'cat.yaml' } });
    const r = await psa(file, ['--json', '--wtp', '200000']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    // The default section: rhoClass uniform on [0, 1] and every calibrated parameter.
    expect(doc.parameters.map((p: { path: string }) => p.path)).toEqual(['correlation.rhoClass', 'catalog[0].mu', 'catalog[0].tau', 'catalog[1].mu', 'catalog[1].tau', 'globals.betaVerySevere']);
    expect(doc.calibration.draws).toBe(3);
    const values = readFileSync(join(readdirSync(join(r.folder, 'psa-cli')).map((f) => join(r.folder, 'psa-cli', f))[0], 'psa-parameters.csv'), 'utf8')
      .trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    for (const v of values) {
      // One posterior draw k per PSA draw: bari's mu and tau and betaVerySevere come from the same k.
      const k = draws.drugs.bari.mu.indexOf(v[2]);
      expect(k).toBeGreaterThanOrEqual(0);
      expect([v[3], v[4], v[5], v[6]]).toEqual([draws.drugs.bari.tau[k], draws.drugs.ritle.mu[k], draws.drugs.ritle.tau[k], draws.globals.betaVerySevere[k]]);
      expect(v[1]).toBeGreaterThanOrEqual(0);
      expect(v[1]).toBeLessThanOrEqual(1);
    }
    // The document the issue asks for.
    expect(doc).toMatchObject({ draws: 20, patientsPerDraw: 2000, seed: 4 });
    expect(Object.keys(doc.policies[0].cumulative[0]).sort()).toEqual(['hi', 'lo', 'mcHalfWidth', 'mean', 'month', 'sd']);
    expect(doc.comparisons[0]).toMatchObject({ a: 'fail-3mo', b: 'fail-6mo' });
    expect(Object.keys(doc.comparisons[0].cumulative[0])).toEqual(expect.arrayContaining(['month', 'mean', 'lo', 'hi', 'pBetter']));
    expect(Object.keys(doc.bestPolicy[11].probability)).toEqual(['fail-3mo', 'fail-6mo']);
    expect(doc.voi.decisionMonth).toBe(12);
    expect(doc.voi.evppi.find((e: { name: string }) => e.name === 'every calibrated parameter').parameters).toHaveLength(5);
    expect(doc.voi.netBenefit.wtp).toBe(200000);
    expect(doc.acceptability.wtp).toContain(200000);
    // The acceptability curve from psa.csv: at a willingness to pay of 0 the cheaper policy of each draw wins; at the
    // top of the grid, net benefit is (nearly) response, so it tends to the probability of being best at the month.
    const folder = readdirSync(join(r.folder, 'psa-cli')).map((f) => join(r.folder, 'psa-cli', f))[0];
    const rows = readFileSync(join(folder, 'psa.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
      .filter((x) => x[2] === '12');
    const cost = (policy: string) => rows.filter((x) => x[1] === policy).map((x) => Number(x[5]));
    const [c3, c6] = [cost('fail-3mo'), cost('fail-6mo')];
    const cheaper = c3.reduce((a, c, d) => a + (c < c6[d] ? 1 : c === c6[d] ? 0.5 : 0), 0) / c3.length;
    expect(doc.acceptability.probability['fail-3mo'][0]).toBeCloseTo(cheaper, 12);
    // A stale draws file (the catalog refitted since) is refused.
    writeFileSync(join(dir, 'cat.draws.json'), JSON.stringify({ ...draws, estimate: { ...draws.estimate, drugs: { ...draws.estimate.drugs, bari: { mu: 0.31, tau: 5 } } } }));
    const stale = await psa(file);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(/belong to another fit .*run jaksim calibrate again/);
  });

  it('prints the summary, says where the report is, and the report loads in Chromium with its charts', async () => {
    const file = write('report', { ...base(), uncertainty: { parameters: { rhoClass: { dist: 'uniform', min: 0, max: 1 }, 'catalog[0].mu': { dist: 'normal', mean: 0.3, sd: 0.1 } } } });
    const r = await psa(file, ['--wtp', '150000']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Cumulative response: mean \(95% uncertainty interval over draws\) ± Monte Carlo half-width of one draw/);
    expect(r.out).toMatch(/Value of information at 12 months \(responders per 100 patients\): EVPI \d/);
    expect(r.out).toMatch(/Tornado: rate\(fail-6mo\) - rate\(fail-3mo\) at 12 months/);
    const folder = join(r.out.match(/Results: (.*)/)![1]);
    const report = join(folder, 'report.html');
    const charts = ['uncertainty-chart', 'difference-chart', 'difference-histogram', 'pbetter-chart', 'best-policy-chart', 'acceptability-chart', 'tornado-chart-0', 'evppi-chart'];
    const visit = await visitReport(report, charts.map((id) => `#${id} svg path`));
    expect(visit.consoleErrors).toEqual([]);
    expect(visit.requests).toHaveLength(1);
    for (const id of charts) expect(visit.paths[`#${id} svg path`], id).toBeGreaterThan(0);
    expect(readFileSync(report, 'utf8')).not.toMatch(/<script/i);
  });

  it('runs the shipped scenario on the shipped posterior draws of the calibrated catalog', async () => {
    const r = await cli(['psa', 'scenarios/psa-six-vs-nine.yaml', '--draws', '4', '--patients-per-draw', '500', '--workers', '1', '--json', '--out', join(dir, 'shipped')]);
    expect(r.err).toBe('');
    const doc = JSON.parse(r.out);
    expect(doc.calibration.drawsFile).toMatch(/data\/catalog\.calibrated\.draws\.json$/);
    // rhoClass, then what the calibration fitted for these three drugs (calibration v2: each has its own tau, deuruxolitinib's
    // under a prior) and the fitted globals, version 2's among them (the escape rates are held at the fit).
    expect(doc.parameters.map((p: { path: string }) => p.path)).toEqual([
      'correlation.rhoClass', 'catalog[0].mu', 'catalog[0].tau', 'catalog[1].mu', 'catalog[1].tau', 'catalog[2].mu', 'catalog[2].tau',
      'globals.betaVerySevere', 'globals.betaDur', 'globals.tauOff', 'globals.sTauOff', 'globals.k', 'globals.sTau']);
    expect(doc.voi.evppi.map((e: { name: string }) => e.name)).toContain('later-lines');
  });

  it('run and sweep say, on the console and in the report, that parameter uncertainty is not included', async () => {
    const file = write('mc-only', base());
    const out = join(dir, 'mc-only');
    const line = 'Intervals are Monte Carlo error only: parameter uncertainty (drug parameters, rhoClass) is not included; `jaksim psa <scenario>` includes it.';
    for (const args of [['run', file], ['sweep', file, '--set', 'rhoClass=0,1']]) {
      const r = await cli([...args, '--patients', '2000', '--workers', '1', '--out', out]);
      expect(r.code).toBe(0);
      expect(r.out.replace(/\s+/g, ' ')).toContain(line); // wrapped to the table width on the console
      const report = r.out.match(/Report: (.*)/)![1];
      expect(readFileSync(report, 'utf8')).toContain(line.replace('`jaksim psa <scenario>`', '`jaksim psa &lt;scenario&gt;`'));
    }
  });
});
