// Issue 11 class 15: calibrate (and trial) refuse impossible trial data before fitting, one line naming the
// field: SALT <= 10 above SALT <= 20, an arm, week or band given twice, overlapping bands, a second price or
// discontinuation figure for a drug, prices beyond bounds, bytes that are not UTF-8. And the catalog never
// holds NaN: with no residual degrees of freedom its pValue is null.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { CalibrationResult } from '../../src/calibration/assess.js';
import { catalogDocument } from '../../src/io/catalog.js';
import { fitSummary } from '../../src/io/calibrationReport.js';
import { UserError } from '../../src/io/errors.js';
import { loadTrialData, validateTrialData } from '../../src/io/trials.js';

const good = () => JSON.parse(readFileSync('data/trials.json', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'jaksim-impossible-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Data = ReturnType<typeof good>;
/** Impossible edits: each takes an arm index (wrapped) and gives the document and the message expected. */
const edits: [string, (d: Data, i: number) => RegExp][] = [
  ['SALT <= 10 above SALT <= 20', (d, i) => {
    const r = d.arms[i].response[0];
    r.salt10 = Math.min(1, r.salt20 + 0.05);
    return new RegExp(`arms\\[${i}\\]\\.response\\[0\\]\\.salt10: expected at most salt20`);
  }],
  ['an arm given twice', (d, i) => {
    d.arms.push(structuredClone(d.arms[i]));
    return new RegExp(`arms\\[${d.arms.length - 1}\\]: expected one arm per trial, population and drug \\(arms\\[${i}\\] is the same\\)`);
  }],
  ['a week given twice', (d, i) => {
    d.arms[i].response.push({ ...d.arms[i].response[0] });
    return new RegExp(`arms\\[${i}\\]\\.response\\[${d.arms[i].response.length - 1}\\]\\.week: expected a week not given before`);
  }],
  ['a price of 1e308', (d) => { d.monthlyListPriceUSD[0].price = 1e308; return /monthlyListPriceUSD\[0\]\.price: expected a number <= 1000000000000/; }],
  ['a second price for a drug', (d) => { d.monthlyListPriceUSD.push({ ...d.monthlyListPriceUSD[0], price: 1 }); return /monthlyListPriceUSD\[\d+\]: expected one price per drug/; }],
  ['a second discontinuation figure', (d) => { d.discontinuationForAdverseEvents.push({ ...d.discontinuationForAdverseEvents[0] }); return /discontinuationForAdverseEvents\[\d+\]: expected one discontinuation figure per drug/; }],
  ['an episode of 1e308 years', (d) => { d.populations['BRAVE-AA'].meanEpisodeYears = 1e308; return /populations\.BRAVE-AA\.meanEpisodeYears: expected a number <= 100/; }],
];

describe('impossible trial data', () => {
  it('each kind of impossible edit, on any arm, is refused naming the field', () => {
    const n = good().arms.length;
    fc.assert(fc.property(fc.constantFrom(...edits), fc.nat({ max: n - 1 }), ([, edit], i) => {
      const d = good();
      const message = edit(d, i);
      let caught: unknown;
      try { validateTrialData(d, 'trials.json'); } catch (err) { caught = err; }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as Error).message).toMatch(message);
    }), { seed: 15, numRuns: 120 });
  });

  it('bands: given twice or overlapping are refused; apart they are fine', () => {
    const d = good();
    const i = d.arms.findIndex((a: { byBaseline?: unknown }) => a.byBaseline);
    validateTrialData(structuredClone(d), 'trials.json');
    const twice = structuredClone(d);
    twice.arms[i].byBaseline.push(structuredClone(twice.arms[i].byBaseline[0]));
    expect(() => validateTrialData(twice, 'trials.json')).toThrow(new RegExp(`arms\\[${i}\\]\\.byBaseline\\[2\\]\\.band: expected a band apart from the others \\(byBaseline\\[0\\] is 50-94\\)`));
    const overlapping = structuredClone(d);
    overlapping.arms[i].byBaseline[1].band = '90-100';
    expect(() => validateTrialData(overlapping, 'trials.json')).toThrow(/byBaseline\[1\]\.band: expected a band apart from the others/);
  });

  it('a file that is not UTF-8 is refused (Latin-1 bytes are never read as replacement characters)', () => {
    const file = join(dir, 'latin1.json');
    writeFileSync(file, Buffer.from(JSON.stringify({ ...good(), about: 'caf\u00e9' }), 'latin1'));
    expect(() => loadTrialData(file)).toThrow(/latin1\.json: expected UTF-8 text, got bytes that are not UTF-8/);
  });

  it('the shipped data pass', () => {
    expect(loadTrialData('data/trials.json').arms.length).toBe(good().arms.length);
  });
});

describe('no NaN in the calibrated catalog', () => {
  it('without residual degrees of freedom the pValue is null in the catalog and "not defined" in the report', () => {
    const r = {
      dataVersion: 'v', seed: 1, patients: 100, deviance: 0, points: [], dataDf: 2, df: 0, pValue: NaN, evals: 1, starts: [],
      params: { names: ['a', 'b'], fitSigma: false }, globals: { sigma: 1 }, catalog: [], hessianRegularised: false, estimates: [], tauClass: 5, x: [0, 0], covariance: [[1, 0], [0, 1]],
    } as unknown as CalibrationResult;
    const text = YAML.stringify(catalogDocument(r, { dataFile: 'd', seconds: 1, command: 'c', engineVersion: '0' }));
    expect(text).toMatch(/pValue: null/);
    expect(text).not.toMatch(/\.nan/i);
    expect(fitSummary(r)).toMatch(/p not defined \(no residual degrees of freedom\)/);
  });
});
