// Trial data: a wrong or malformed file is refused with one line naming the file and field; derived populations and rates.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aeRates, calibrationModel, calibrationPoints, durationSubgroup, trialPopulation } from '../../src/calibration/data.js';
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
  it('version 2 of the data loads with its new sections, and each enters the likelihood as the data say', () => {
    const raw = good();
    expect(raw.version).toBe(2);
    for (const key of ['subgroups', 'maintenance', 'withdrawal', 'salt10']) expect(data[key as keyof typeof data]).toEqual(raw[key].map(() => expect.anything()));
    // The pooled 'around 40%' baricitinib arm of version 1 is replaced by per-trial week-52 points.
    expect(data.arms.some((a) => a.trial === 'BRAVE-AA1+AA2 continuous 4 mg')).toBe(false);
    const { points, simulations, unused } = calibrationModel(data);
    expect(points.filter((p) => p.kind === 'arm' && p.drug === 'baricitinib-4mg' && p.week === 52)).toHaveLength(2);
    // Week-36 BRAVE arms enter through the episode-duration subgroups only (the same patients), whose counts sum to the arms'.
    expect(points.some((p) => p.kind === 'arm' && p.population === 'BRAVE-AA' && p.week === 36)).toBe(false);
    const sub = points.filter((p) => p.kind === 'subgroup' && p.drug === 'baricitinib-4mg');
    expect(sub.map((p) => [p.label, p.n, p.salt20])).toEqual([['episode < 4 years', 329, 130 / 329], ['episode >= 4 years', 186, 45 / 186]]);
    const arms4 = data.arms.filter((a) => a.population === 'BRAVE-AA' && a.drug === 'baricitinib-4mg').reduce((a, b) => a + b.n!, 0);
    expect(329 + 186).toBe(arms4);
    // Maintenance: 2 arms x 2 weeks x (SALT <= 20, lost benefit), LOCF, re-randomised at week 52.
    const m = points.filter((p) => p.kind === 'maintenance');
    expect(m).toHaveLength(8);
    expect(m.filter((p) => p.measure === 'lostBenefit').map((p) => p.salt20)).toEqual([0.05, 0.07, 0.29, 0.37]);
    const down = simulations.find((s) => s.design?.then === 'baricitinib-2mg')!;
    expect(down).toMatchObject({ drug: 'baricitinib-4mg', imputation: 'locf', design: { atWeek: 52 }, weeks: [104, 152] });
    // Withdrawal: pooled figures weight the two withdrawn arms by size (30 and 10); weeks after the stop count from week 52.
    const w = points.filter((p) => p.kind === 'withdrawal');
    const early = w.find((p) => p.week === 60)!;
    expect(early).toMatchObject({ measure: 'lostBenefit', n: 40, salt20: 0.105 });
    expect(early.sources.map((s) => s.weight)).toEqual([0.75, 0.25]);
    expect(w.find((p) => /continuing/.test(p.label))).toMatchObject({ n: 114, salt20: 0.07 });
    // Left out, with the reason: scalp-type subgroups, retreatment, the pooled SALT <= 10 (counted per trial already).
    expect(unused.filter((u) => /scalp type|retreat|SALT <= 10/.test(u))).toHaveLength(4);
  });
  it('a version-1 file (no version-2 sections) gives plain arm points only', () => {
    const v1 = loadTrialData('tests/fixtures/trials-v1.json');
    const pts = calibrationPoints(v1);
    expect(pts.every((p) => p.kind === 'arm' && p.measure === 'salt20' && p.sources.length === 1)).toBe(true);
    expect(pts.length).toBe(24);
  });
  it('refuses a version-2 section naming an unknown population (exit 2, field named)', async () => {
    const d = good();
    d.maintenance[0].population = 'BRAVE';
    const r = await calibrateWith(JSON.stringify(d));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/maintenance\[0\]\.population: expected one of the populations/);
  });
  it('refuses a maintenance arm without a size', async () => {
    const d = good();
    delete d.maintenance[0].arms[1].n;
    const r = await calibrateWith(JSON.stringify(d));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/maintenance\[0\]\.arms\[1\]\.n: expected a finite number, got nothing/);
  });
  it('a duration subgroup keeps the truncated log-normal\'s mean log duration', () => {
    const pop = trialPopulation(data.populations['BRAVE-AA']);
    const lo = durationSubgroup(pop, [0, 4]);
    const hi = durationSubgroup(pop, [4, Infinity]);
    // Independent check: the mean of log duration over the clamped range by midpoint quadrature.
    const m = Math.log(pop.durYears.median);
    const s = pop.durYears.sdlog;
    const meanLog = (a: number, b: number) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < 20000; i++) {
        const z = Math.log(a) + ((i + 0.5) / 20000) * (Math.log(b) - Math.log(a));
        const w = Math.exp(-0.5 * ((z - m) / s) ** 2);
        num += w * z;
        den += w;
      }
      return num / den;
    };
    expect(Math.log(lo.durYears.median)).toBeCloseTo(meanLog(0.5, 4), 4);
    expect(Math.log(hi.durYears.median)).toBeCloseTo(meanLog(4, 8), 4);
    expect([lo.durYears.min, lo.durYears.max, hi.durYears.min, hi.durYears.max]).toEqual([0.5, 4, 4, 8]);
  });
  it('an arm split by baseline band enters band by band, not as its total', () => {
    const pts = calibrationPoints(data).filter((p) => p.trial.startsWith('ALLEGRO-2b/3 + ALLEGRO-LT'));
    expect(pts.map((p) => [p.band, p.n, p.salt20])).toEqual([['50-94', 66, 0.606], ['95-100', 125, 0.296]]);
  });
});
