// Issue 11 class 2: a calibrated catalog read by `validate` gets the schema-and-limits treatment of scenarios:
// each impossible edit is one UserError naming the field; any mutation either is refused or leaves a
// stored calibration whose shapes agree and whose numbers are finite (nothing can reach the engine as NaN).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readCatalogUncertainty } from '../../src/io/catalog.js';
import { UserError } from '../../src/io/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shipped = () => YAML.parse(readFileSync('scenarios/catalog.calibrated.yaml', 'utf8'));
let n = 0;
function read(doc: unknown) {
  const file = join(dir, `c${n++}.yaml`);
  writeFileSync(file, YAML.stringify(doc));
  return readCatalogUncertainty(file);
}

type Doc = ReturnType<typeof shipped>;
/** The shipped (version-2) vector: 9 mu, 8 log tau, 2 log escape rates, betaVerySevere and 5 version-2 globals. */
const SIZE = 25;
const edits: [string, (d: Doc) => void, RegExp][] = [
  ['patientsPerArm 1e12 (a V8 out-of-memory abort before)', (d) => { d.patientsPerArm = 1e12; }, /patientsPerArm: expected a number <= 10000000, got 1000000000000/],
  ['patientsPerArm 0 (a table of NaN before)', (d) => { d.patientsPerArm = 0; }, /patientsPerArm: expected a number >= 100, got 0/],
  ['a NaN estimate', (d) => { d.uncertainty.estimate[3] = NaN; }, /uncertainty\.estimate\[3\]: expected a finite number, got NaN/],
  ['an empty covariance (internal error before)', (d) => { d.uncertainty.covariance = []; }, /uncertainty\.covariance: expected at least 1 item/],
  ['a short covariance', (d) => { d.uncertainty.covariance.pop(); }, new RegExp(`uncertainty\\.covariance: expected a ${SIZE} x ${SIZE} matrix`)],
  ['a short row', (d) => { d.uncertainty.covariance[2].pop(); }, new RegExp(`uncertainty\\.covariance\\[2\\]: expected ${SIZE} numbers, got ${SIZE - 1}`)],
  ['a short estimate', (d) => { d.uncertainty.estimate.pop(); }, new RegExp(`uncertainty\\.estimate: expected ${SIZE} numbers`)],
  ['an asymmetric covariance', (d) => { d.uncertainty.covariance[0][1] = 5; }, /uncertainty\.covariance\[1\]\[0\]: expected a symmetric matrix/],
  ['a negative variance', (d) => { d.uncertainty.covariance[4][4] = -1; }, /uncertainty\.covariance\[4\]\[4\]: expected a variance >= 0, got -1/],
  ['a negative tau', (d) => { d.drugs[0].tau = -1; }, /drugs\[0\]\.tau: expected a number > 0, got -1/],
  ['a negative tauClass', (d) => { d.uncertainty.tauClass = -2; }, /uncertainty\.tauClass: expected a number > 0, got -2/],
  ['a negative seed', (d) => { d.seed = -3; }, /seed: expected a number >= 0, got -3/],
  ['a fractional seed', (d) => { d.seed = 1.5; }, /seed: expected a whole number, got 1\.5/],
  ['a negative sigma', (d) => { d.globals.sigma = -1; }, /globals\.sigma: expected a number >= 0, got -1/],
  ['no uncertainty section', (d) => { delete d.uncertainty; }, /uncertainty: expected a mapping, got nothing/],
  ['an estimate of 1e300', (d) => { d.uncertainty.estimate[0] = 1e300; }, /uncertainty\.estimate\[0\]: expected a number <= 100/],
];

describe('the calibrated catalog read by validate', () => {
  it('the shipped catalog is read', () => {
    const c = read(shipped());
    expect(c.names).toHaveLength(SIZE);
    expect(c.covariance).toHaveLength(SIZE);
  });

  for (const [what, edit, message] of edits) {
    it(`refuses ${what}`, () => {
      const d = shipped();
      edit(d);
      expect(() => read(d)).toThrow(message);
    });
  }

  it('any mutation of its numbers is refused, or leaves consistent shapes and finite numbers', () => {
    const paths: (string | number)[][] = [['patientsPerArm'], ['seed'], ['uncertainty', 'tauClass'], ['globals', 'sigma'], ['drugs', 0, 'tau'], ['drugs', 1, 'mu']];
    for (let i = 0; i < SIZE; i++) paths.push(['uncertainty', 'estimate', i], ['uncertainty', 'covariance', i, i], ['uncertainty', 'covariance', i, (i + 1) % SIZE]);
    const nasty = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, 1e-320, 2 ** 53, null, 'x', [], {}), fc.double(), fc.integer());
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), nasty), { minLength: 1, maxLength: 3 }), (muts) => {
      const d = shipped();
      for (const [path, v] of muts) {
        let node = d;
        for (const k of path.slice(0, -1)) node = node[k];
        node[path[path.length - 1]] = v;
      }
      let c;
      try {
        c = read(d);
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return;
      }
      expect(c.estimate).toHaveLength(c.names.length);
      expect(c.covariance.every((row) => row.length === c.names.length)).toBe(true);
      for (const x of [...c.estimate, ...c.covariance.flat(), c.patients, c.seed, ...Object.values(c.globals)]) expect(Number.isFinite(x)).toBe(true);
      expect(c.patients).toBeGreaterThanOrEqual(100);
      c.covariance.forEach((row, i) => expect(row[i]).toBeGreaterThanOrEqual(0));
    }), { seed: 2, numRuns: 200 });
  });
});
