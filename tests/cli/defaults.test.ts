// Issue 10, point 2: defaults a clinician would choose. A scenario without `catalog` runs on the three approved
// drugs as calibrated; afterLastLine defaults to stay, and a stop policy is named on the console, in summary.json
// and in the report; uncalibrated drug parameters are warned about; the README's short example and scenario table
// are what the program does.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { z } from 'zod';
import { runCli } from '../../src/cli/main.js';
import { uncalibratedDrugs } from '../../src/io/calibrated.js';
import { loadScenario, schema, validateScenario } from '../../src/io/scenario.js';

const README = readFileSync('README.md', 'utf8');
const CALIBRATED = YAML.parse(readFileSync('scenarios/catalog.calibrated.yaml', 'utf8')) as {
  kind: string; globals: Record<string, number>; drugs: { id: string; molecule: string; mu: number; tau: number; aeRate: number }[];
};
const APPROVED = ['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg'];
const calibratedDrug = (id: string) => CALIBRATED.drugs.find((d) => d.id === id)!;

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Write `text` as `<name>.yaml` in a fresh folder; returns the file and an output folder beside it. */
function scenarioFile(text: string, name = 'scenario') {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-defaults-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return { file, out: join(dir, 'results') };
}

/** The only run folder under `out` (one scenario, one run). */
function runFolder(out: string): string {
  const [scenario] = readdirSync(out);
  const [run] = readdirSync(join(out, scenario));
  return join(out, scenario, run);
}

const shortExample = () => /```yaml\n([\s\S]*?)```/.exec(README.slice(README.indexOf('A short one')))![1];

describe('defaults a clinician would choose', () => {
  it("the README's short example parses and runs as written: the calibrated approved drugs, stay, no warning", async () => {
    const { file, out } = scenarioFile(shortExample(), 'my-question');
    const r = await cli(['run', file, '--patients', '4000', '--workers', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(''); // no uncalibrated-drugs warning
    expect(r.out).not.toMatch(/Off all drugs/);
    const summary = JSON.parse(readFileSync(join(runFolder(out), 'summary.json'), 'utf8'));
    expect(summary.resolvedScenario.catalog.map((d: { id: string }) => d.id)).toEqual(APPROVED);
    for (const d of summary.resolvedScenario.catalog) {
      const c = calibratedDrug(d.id);
      expect([d.mu, d.tau, d.aeRate]).toEqual([c.mu, c.tau, c.aeRate]);
    }
    expect(summary.resolvedScenario.globals.betaVerySevere).toBe(CALIBRATED.globals.betaVerySevere);
    expect(summary.policies.map((p: { afterLastLine: string }) => p.afterLastLine)).toEqual(['stay', 'stay']);
    expect(summary.policies.map((p: { offAllDrugsAfterLastLine: boolean }) => p.offAllDrugsAfterLastLine)).toEqual([false, false]);
    // Patients did respond, on the calibrated (strong) drugs: far above the uncalibrated benchmark's ~10% at month 6.
    expect(summary.policies[0].cumulative[5].rate).toBeGreaterThan(0.18);
  });

  it('without catalog: the approved drugs of the calibrated catalog by reference, its globals under the scenario\'s', () => {
    const s = validateScenario({ policies: [{ id: 'p', sequence: ['ritlecitinib-50mg'] }], globals: { sigma: 1.1 } }, 'f.yaml');
    expect(s.catalog.map((d) => [d.id, d.molecule, d.mu, d.tau, d.aeRate])).toEqual(
      APPROVED.map((id) => { const c = calibratedDrug(id); return [id, c.molecule, c.mu, c.tau, c.aeRate]; }));
    expect(s.globals.betaVerySevere).toBe(CALIBRATED.globals.betaVerySevere);
    expect(s.globals.sigma).toBe(1.1);
    expect(s.policies[0].afterLastLine).toBe('stay');
    // The same as writing the reference out.
    const { file } = scenarioFile(`catalog: { file: ${join(process.cwd(), 'scenarios/catalog.calibrated.yaml')}, drugs: [${APPROVED.join(', ')}] }
globals: { sigma: 1.1 }
policies: [{ id: p, sequence: [ritlecitinib-50mg] }]
`, 'f');
    expect({ ...loadScenario(file), name: 'f' }).toEqual({ ...s, name: 'f' });
    // Another drug needs a catalog, and the message says so.
    expect(() => validateScenario({ policies: [{ id: 'p', sequence: ['upadacitinib-15mg'] }] }, 'f.yaml'))
      .toThrow(/policies\[0\]\.sequence\[0\]: expected a drug of the default catalog.*other drugs need a catalog: field/);
  });

  it('the canonical benchmark scenario keeps its inline, fixed catalog and exactly MODEL.md\'s meaning', () => {
    const s = loadScenario('scenarios/canonical-bench.yaml');
    expect(s.catalog.map((d) => [d.id, d.mu, d.tau, d.aeRate])).toEqual([
      ['baricitinib-4mg', 0.35, 5.0, 0.002], ['ritlecitinib-50mg', 0.15, 5.5, 0.002], ['deuruxolitinib-8mg', 0.4, 4.5, 0.003]]);
    expect(s.globals).toEqual({ sigma: 1, k: 2, sTau: 0.5, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2, sTauOff: 0 });
    expect(s.policies.map((p) => [p.id, p.failAtMonths, p.afterLastLine])).toEqual([['fail-6mo', 6, 'stop'], ['fail-9mo', 9, 'stop']]);
    expect([s.patients, s.seed, s.horizon, s.correlation.rhoClass]).toEqual([1_000_000, 20251008, 36, 0.5]);
    expect(uncalibratedDrugs(s)).toEqual(['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg']);
  });

  it('shipped scenarios write afterLastLine: stop where they mean it; the clinical ones run on calibrated drugs', () => {
    for (const f of readdirSync('scenarios').filter((x) => x.endsWith('.yaml') && x !== 'catalog.calibrated.yaml')) {
      const raw = YAML.parse(readFileSync(join('scenarios', f), 'utf8')) as { policies: { afterLastLine?: string }[] };
      expect(raw.policies.every((p) => p.afterLastLine !== undefined), `${f}: every policy says what happens after its last line`).toBe(true);
      const s = loadScenario(join('scenarios', f));
      if (f !== 'canonical-bench.yaml' && f !== 'bari-ritle-costs.yaml') expect(uncalibratedDrugs(s), f).toEqual([]);
    }
    expect(loadScenario('scenarios/default.yaml').policies.map((p) => p.afterLastLine)).toEqual(['stop', 'stop']);
  });

  it('a stop policy is named on the console, in summary.json and in the report', async () => {
    const { file, out } = scenarioFile(`policies:
  - { id: p-stop, sequence: [baricitinib-4mg, ritlecitinib-50mg], afterLastLine: stop }
  - { id: p-default, sequence: [baricitinib-4mg, ritlecitinib-50mg] }
`);
    const r = await cli(['run', file, '--patients', '3000', '--workers', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Off all drugs once the last line fails (afterLastLine: stop): p-stop.');
    const folder = runFolder(out);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary.policies.map((p: { id: string; afterLastLine: string; offAllDrugsAfterLastLine: boolean }) =>
      [p.id, p.afterLastLine, p.offAllDrugsAfterLastLine])).toEqual([['p-stop', 'stop', true], ['p-default', 'stay', false]]);
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(html).toMatch(/<p class="warning" id="off-drug-note">Off all drugs once the last line fails \(afterLastLine: stop\): p-stop\./);
    expect(html).not.toContain('uncalibrated-warning');
  });

  it('drug parameters that were not calibrated: a warning on stderr and in the report (run, sweep, power)', async () => {
    const bari = calibratedDrug('baricitinib-4mg');
    // A calibrated drug written out by hand is still calibrated; one changed digit is not.
    const inline = (mu: number) => `catalog:
  - { id: baricitinib-4mg, mu: ${mu}, tau: ${bari.tau}, aeRate: ${bari.aeRate} }
  - { id: other-1mg, mu: 0.2, tau: 5, aeRate: 0.002 }
policies:
  - { id: a, sequence: [baricitinib-4mg] }
  - { id: b, sequence: [baricitinib-4mg, other-1mg] }
`;
    const same = scenarioFile(inline(bari.mu).replace(/\n.*other-1mg.*\n/, '\n').replace(', other-1mg', ''));
    const r0 = await cli(['run', same.file, '--patients', '2000', '--workers', '1', '--out', same.out]);
    expect(r0.code, r0.err).toBe(0);
    expect(r0.err).toBe('');

    const changed = scenarioFile(inline(bari.mu + 0.01));
    const r1 = await cli(['run', changed.file, '--patients', '2000', '--workers', '1', '--out', changed.out, '--json']);
    expect(r1.code, r1.err).toBe(0);
    expect(r1.err).toMatch(/^warning: drug parameters not calibrated to the trials: baricitinib-4mg, other-1mg\./);
    expect(r1.err.split('\n').every((l) => l.length <= 100)).toBe(true);
    expect(readFileSync(join(runFolder(changed.out), 'report.html'), 'utf8'))
      .toMatch(/id="uncalibrated-warning">Warning: drug parameters not calibrated to the trials: baricitinib-4mg, other-1mg\./);

    // A sweep of the default catalog's mu leaves calibration; a sweep of rhoClass does not.
    const plain = scenarioFile('policies: [{ id: a, sequence: [baricitinib-4mg, ritlecitinib-50mg] }]\n');
    const s0 = await cli(['sweep', plain.file, '--set', 'rhoClass=0,1', '--patients', '2000', '--workers', '1', '--out', plain.out]);
    expect(s0.code, s0.err).toBe(0);
    expect(s0.err).toBe('');
    const swept = scenarioFile('policies: [{ id: a, sequence: [baricitinib-4mg, ritlecitinib-50mg] }]\n');
    const s1 = await cli(['sweep', swept.file, '--set', 'catalog[1].mu=0.5,1', '--patients', '2000', '--workers', '1', '--out', swept.out]);
    expect(s1.code, s1.err).toBe(0);
    expect(s1.err).toMatch(/not calibrated to the trials: ritlecitinib-50mg\./);
    expect(readFileSync(join(runFolder(swept.out), 'report.html'), 'utf8')).toContain('id="uncalibrated-warning"');

    const p = await cli(['power', changed.file, '--arms', 'a,b', '--n', '40', '--trials', '20', '--workers', '1', '--out', changed.out]);
    expect(p.code, p.err).toBe(0);
    expect(p.err).toMatch(/not calibrated to the trials: baricitinib-4mg, other-1mg\./);
    const powerDir = readdirSync(join(changed.out, 'scenario')).map((d) => join(changed.out, 'scenario', d))
      .find((d) => readdirSync(d).includes('power.json'))!;
    expect(readFileSync(join(powerDir, 'report.html'), 'utf8')).toMatch(/class="warning">warning: drug parameters not calibrated/);
  });
});

/** Every field path of the scenario schema: `population.durYears.median`, `policies[].failAtMonths`, ... */
function schemaPaths(node: z.core.$ZodType, prefix = ''): { path: string; fallback?: unknown }[] {
  const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; defaultValue?: unknown };
  if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional') {
    const inner = schemaPaths(def.innerType!, prefix);
    if (def.type === 'default' && inner[0]?.path === prefix) inner[0].fallback = def.defaultValue;
    return inner;
  }
  if (def.type === 'array' && def.element!._zod.def.type === 'object') return [{ path: prefix }, ...schemaPaths(def.element!, `${prefix}[]`)];
  if (def.type === 'object') {
    const out = prefix ? [{ path: prefix }] : [];
    for (const [k, v] of Object.entries(def.shape!)) out.push(...schemaPaths(v, prefix ? `${prefix}.${k}` : k));
    return out;
  }
  return [{ path: prefix }];
}

describe("the README's scenario table", () => {
  const start = README.indexOf('| field | default | meaning |');
  const rows = README.slice(start, README.indexOf('\n\n', start)).split('\n').slice(2).map((r) => r.split(' | '));
  const documented = new Map<string, string[]>();
  for (const row of rows) {
    let parent = '';
    for (const token of row[0].replace(/^\| /, '').split(', ')) {
      const name = token.replace(/`/g, '');
      const full = name.startsWith('.') ? `${parent}${name}` : name;
      parent = full.slice(0, full.lastIndexOf('.'));
      documented.set(full, row);
    }
  }

  it('documents every field that exists, the catalog reference\'s file and drugs among them', () => {
    const all = schemaPaths(schema).map((p) => p.path);
    // The fields a user writes: leaves (a mapping such as `population` is documented by its fields), and the
    // two keys of a catalog reference, which is resolved before the schema.
    const paths = [...all.filter((p) => !all.some((q) => q.startsWith(`${p}.`) || q.startsWith(`${p}[].`))), 'catalog.file', 'catalog.drugs'];
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      // A field is documented by its own row, or by its parent's row naming it (durYears' median, salt0's weight).
      const parent = path.replace(/(\[\])?\.[^.]+$/, '');
      const own = documented.has(path);
      const byParent = documented.get(parent)?.join(' ').includes(path.slice(path.lastIndexOf('.') + 1));
      expect(own || byParent, `${path} is not in the README's scenario table`).toBe(true);
    }
  });

  it('gives every default the schema has', () => {
    const withDefaults = schemaPaths(schema).filter((p) => p.fallback !== undefined && typeof p.fallback !== 'object');
    expect(withDefaults.map((p) => p.path)).toEqual(expect.arrayContaining(['seed', 'patients', 'globals.sigma', 'policies[].afterLastLine']));
    for (const { path, fallback } of withDefaults) {
      const row = documented.get(path) ?? documented.get(path.replace(/(\[\])?\.[^.]+$/, ''));
      expect(row?.[1], path).toContain(String(fallback));
    }
    expect(documented.get('policies[].afterLastLine')![1]).toBe('`stay`');
    expect(documented.get('catalog')![1]).toMatch(/calibrated.*baricitinib-4mg, ritlecitinib-50mg, deuruxolitinib-8mg/);
  });
});
