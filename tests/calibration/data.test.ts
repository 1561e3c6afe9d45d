// Trial data: a wrong or malformed file is refused with one line naming the file and field; derived populations and rates.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aeRates, calibrationPoints, trialPopulation } from '../../src/calibration/data.js';
import { runCli } from '../../src/cli/main.js';
import { loadTrialData } from '../../src/io/trials.js';

const good = () => JSON.parse(readFileSync('data/trials.json', 'utf8'));

async function calibrateWith(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-trials-'));
  const file = join(dir, 'trials.json');
  writeFileSync(file, text);
  const err: string[] = [];
  const code = await runCli(['calibrate', '--data', file, '--out', join(dir, 'cat.yaml'), '--report-dir', join(dir, 'rep'), '--workers', '1'],
    { out: () => {}, err: (t) => err.push(t) });
  return { code, err: err.join(''), file };
}

describe('trial data validation', () => {
  const cases: [string, (d: any) => unknown, RegExp][] = [
    ['a rate above 1', (d) => { d.arms[0].response[0].salt20 = 38.8; return d; }, /arms\[0\]\.response\[0\]\.salt20: expected a number <= 1, got 38\.8/],
    ['a negative arm size', (d) => { d.arms[1].n = -5; return d; }, /arms\[1\]\.n: expected a number >= 1, got -5/],
    ['a missing drug', (d) => { delete d.arms[2].drug; return d; }, /arms\[2\]\.drug: expected a string, got nothing/],
    ['an unknown population', (d) => { d.arms[0].population = 'BRAVE'; return d; }, /arms\[0\]\.population: expected one of the populations \(BRAVE-AA, ALLEGRO, THRIVE-AA, UP-AA\), got "BRAVE"/],
    ['a malformed band', (d) => { d.arms[9].byBaseline[0].band = '94-50'; return d; }, /arms\[9\]\.byBaseline\[0\]\.band: expected a band lo-hi/],
    ['no arms', (d) => { d.arms = []; return d; }, /arms: expected at least 1 item/],
  ];
  for (const [what, mutate, message] of cases) {
    it(`refuses ${what} (exit 2, file and field named)`, async () => {
      const r = await calibrateWith(JSON.stringify(mutate(good())));
      expect(r.code).toBe(2);
      expect(r.err).toContain(r.file);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    });
  }
  it('refuses text that is not JSON', async () => {
    const r = await calibrateWith('{ "arms": [ ');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/trials\.json: \(top level\): expected valid JSON/);
  });
  it('refuses a missing file', async () => {
    const err: string[] = [];
    const code = await runCli(['calibrate', '--data', 'no/such/trials.json'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/no\/such\/trials\.json: expected a readable trials data file, got no such file/);
  });
});

describe('derived inputs', () => {
  const data = loadTrialData('data/trials.json');
  it('trial populations keep the published mean SALT and share 95-100', () => {
    for (const name of ['ALLEGRO', 'THRIVE-AA']) {
      const p = data.populations[name];
      const pop = trialPopulation(p);
      const total = pop.salt0.reduce((a, b) => a + b.weight, 0);
      const mean = pop.salt0.reduce((a, b) => a + (b.weight * (b.min + b.max)) / 2, 0) / total;
      const share = pop.salt0.filter((b) => b.min >= 95).reduce((a, b) => a + b.weight, 0) / total;
      expect(mean).toBeCloseTo(p.meanSalt!, 10);
      expect(share).toBeCloseTo(p.shareSalt95to100!, 10);
      expect(pop.minoxidilShare).toBe(0);
    }
    expect(trialPopulation(data.populations['BRAVE-AA']).durYears.max).toBe(8);
    expect(trialPopulation(data.populations.ALLEGRO).durYears.max).toBe(10);
  });
  it('AE discontinuation shares convert to monthly rates: 1 - exp(-rate * months) = share', () => {
    const rates = aeRates(data, ['deuruxolitinib-8mg', 'baricitinib-4mg']);
    const months = (24 * 7) / (365.25 / 12);
    expect(1 - Math.exp(-rates.get('deuruxolitinib-8mg')! * months)).toBeCloseTo(0.026, 12);
    expect(rates.get('baricitinib-4mg')).toBeGreaterThan(0);
  });
  it('version 2 of the data loads: its new sections are accepted and, until calibration version 2, not used', () => {
    const raw = good();
    expect(raw.version).toBe(2);
    for (const key of ['subgroups', 'maintenance', 'withdrawal', 'salt10']) expect(Array.isArray(raw[key])).toBe(true);
    expect(Object.keys(data).sort()).toEqual(['about', 'arms', 'discontinuationForAdverseEvents', 'monthlyListPriceUSD', 'populations', 'switching', 'version']);
    // The pooled 'around 40%' baricitinib arm of version 1 is replaced by per-trial week-52 points.
    expect(data.arms.some((a) => a.trial === 'BRAVE-AA1+AA2 continuous 4 mg')).toBe(false);
    expect(calibrationPoints(data).filter((p) => p.drug === 'baricitinib-4mg' && p.week === 52).length).toBeGreaterThanOrEqual(2);
  });
  it('an arm split by baseline band enters band by band, not as its total', () => {
    const pts = calibrationPoints(data).filter((p) => p.trial.startsWith('ALLEGRO-2b/3 + ALLEGRO-LT'));
    expect(pts.map((p) => [p.band, p.n, p.salt20])).toEqual([['50-94', 66, 0.606], ['95-100', 125, 0.296]]);
  });
});
