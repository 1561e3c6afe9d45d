// Every class of bad scenario input: one clear message naming file, field path and expectation; exit 2; nothing written.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../../src/cli/main.js';

const base = () => ({
  name: 'bad',
  patients: 2000,
  catalog: [
    { id: 'bari', mu: 0.3, tau: 5, aeRate: 0.002 },
    { id: 'ritle', mu: 0.1, tau: 5, aeRate: 0.002 },
  ],
  policies: [{ id: 'p', sequence: ['bari', 'ritle'], failAtMonths: 6 }],
});

type Doc = ReturnType<typeof base> & Record<string, unknown>;

async function runWith(text: string, ext = 'yaml') {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-bad-'));
  const file = join(dir, `scenario.${ext}`);
  writeFileSync(file, text);
  const out = join(dir, 'results');
  const err: string[] = [];
  const stdout: string[] = [];
  const code = await runCli(['run', file, '--out', out, '--workers', '1'], {
    out: (t) => stdout.push(t),
    err: (t) => err.push(t),
  });
  return { code, err: err.join(''), stdout: stdout.join(''), file, wrote: existsSync(out) && readdirSync(out).length > 0 };
}

const cases: [string, (d: Doc) => unknown, RegExp][] = [
  ['an unknown key', (d) => ({ ...d, colour: 'blue' }), /colour: expected no such field/],
  ['a wrong type', (d) => ({ ...d, horizon: 'long' }), /horizon: expected a finite number, got "long"/],
  ['a probability outside [0,1]', (d) => ({ ...d, population: { minoxidilShare: 1.5 } }), /population\.minoxidilShare: expected a number <= 1, got 1\.5/],
  ['a negative duration', (d) => ({ ...d, switchGapMonths: -1 }), /switchGapMonths: expected a number >= 0, got -1/],
  ['a negative failure threshold', (d) => { d.policies[0].failAtMonths = -3; return d; }, /policies\[0\]\.failAtMonths: expected a number > 0, got -3/],
  ['a negative escape rate', (d) => { (d.catalog[1] as Record<string, unknown>).escapeRate = -0.1; return d; }, /catalog\[1\]\.escapeRate: expected a number >= 0, got -0\.1/],
  ['a negative sTauOff', (d) => ({ ...d, globals: { sTauOff: -1 } }), /globals\.sTauOff: expected a number >= 0, got -1/],
  ['switchOnLoss not a boolean', (d) => { (d.policies[0] as Record<string, unknown>).switchOnLoss = 'yes'; return d; }, /policies\[0\]\.switchOnLoss: expected a boolean, got "yes"/],
  ['a negative loss margin', (d) => { (d.policies[0] as Record<string, unknown>).lossMarginPoints = -5; return d; }, /policies\[0\]\.lossMarginPoints: expected a number >= 0, got -5/],
  ['a non-symmetric matrix', (d) => ({ ...d, correlation: { matrix: [[1, 0.5], [0.4, 1]] } }), /correlation\.matrix: expected a symmetric matrix/],
  ['a matrix without unit diagonal', (d) => ({ ...d, correlation: { matrix: [[1, 0.5], [0.5, 0.9]] } }), /correlation\.matrix: expected a unit diagonal/],
  ['a matrix that is not positive semi-definite', (d) => ({
    ...d,
    catalog: [...d.catalog, { id: 'deuru', mu: 0.4, tau: 4.5, aeRate: 0.003 }],
    correlation: { matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]] },
  }), /correlation\.matrix: expected a positive semi-definite matrix/],
  ['rhoClass making R not positive semi-definite', (d) => ({
    ...d,
    catalog: [...d.catalog, { id: 'deuru', mu: 0.4, tau: 4.5, aeRate: 0.003 }],
    correlation: { rhoClass: -0.6 },
  }), /correlation: expected rhoMolecule and rhoClass giving a positive semi-definite/],
  ['a policy naming a drug the catalog lacks', (d) => { d.policies[0].sequence = ['bari', 'tofa']; return d; }, /policies\[0\]\.sequence\[1\]: expected a drug of the catalog \(bari, ritle\), got "tofa"/],
  ['an empty sequence', (d) => { d.policies[0].sequence = []; return d; }, /policies\[0\]\.sequence: expected at least 1 item/],
  ['a horizon of zero', (d) => ({ ...d, horizon: 0 }), /horizon: expected a number > 0, got 0/],
  ['a negative horizon', (d) => ({ ...d, horizon: -12 }), /horizon: expected a number > 0, got -12/],
];

describe('bad scenario input', () => {
  for (const [what, mutate, message] of cases) {
    it(`${what}: one message, exit 2, nothing written`, async () => {
      const r = await runWith(YAML.stringify(mutate(base() as Doc)));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.startsWith(`jaksim: ${r.file}: `)).toBe(true);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
      expect(r.wrote).toBe(false);
    });
  }

  it('a missing file', async () => {
    const err: string[] = [];
    const code = await runCli(['run', '/nonexistent/scenario.yaml'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/\/nonexistent\/scenario\.yaml: .*expected a readable scenario file, got no such file/);
  });

  it('malformed YAML', async () => {
    const r = await runWith('policies: [ {id: p, sequence: [bari\n  : : :');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected valid YAML/);
    expect(r.wrote).toBe(false);
  });

  it('malformed JSON', async () => {
    const r = await runWith('{"policies": [', 'json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected valid JSON/);
  });

  it('duplicate keys in YAML', async () => {
    const r = await runWith('horizon: 12\nhorizon: 24\n' + YAML.stringify(base()));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/horizon: expected each key at most once, got "horizon" again at line 2/);
  });

  it('a valid scenario in JSON runs (the loader is not simply refusing everything)', async () => {
    const r = await runWith(JSON.stringify(base()), 'json');
    // Nothing on stderr but the warning that these made-up drugs are not calibrated.
    expect(r.err).toMatch(/^warning: drug parameters not calibrated to the trials: bari, ritle\.[^]*Scenario files"\)\.$/);
    expect(r.code).toBe(0);
    expect(r.wrote).toBe(true);
  });

  it('bad flags: exit 2 with a message naming the flag', async () => {
    const err: string[] = [];
    const code = await runCli(['run', 'scenarios/default.yaml', '--patients', '0'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--patients: expected a whole number/);
  });
});
