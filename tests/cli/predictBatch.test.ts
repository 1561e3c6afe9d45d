// `jaksim predict --batch` (issue 15 point 5, issue 17 point 3): predictions.csv with one row per patient, option
// and month, each patient's numbers those of `predict` on the same facts; byte-identical for 1 and 2 workers and
// for shards merged by `jaksim merge`; a patient whose ESS is too small refused on its row; bad CSV refused with
// file, row and column (exit 2, nothing written).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cli, fileIn } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-batch-'));
const EXAMPLE = 'examples/patients/batch.csv';

const file = (name: string, text: string) => fileIn(dir, name, text);

const FAST = ['--draws', '4000', '--parameter-draws', '2', '--seed', '7'];
const rowsOf = (f: string) => parse(readFileSync(f, 'utf8'), { columns: true }) as Record<string, string>[];

describe('predict --batch', () => {
  it('writes one row per patient, option and month, and each patient\'s numbers are predict\'s on the same facts', async () => {
    const out = join(dir, 'one');
    const r = await cli(['predict', '--batch', EXAMPLE, ...FAST, '--workers', '1', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = rowsOf(join(out, 'predictions.csv'));
    expect(Object.keys(rows[0])).toEqual(['patient', 'now', 'option', 'month', 'rate', 'lo', 'hi', 'mcLo', 'mcHi', 'expectedMonthsToResponse', 'ess', 'refusal']);
    // P001 runs baricitinib (continue + 2 switches), P002 ritlecitinib after baricitinib (continue + 2), P003 is untreated (3 starts).
    const options = (id: string) => [...new Set(rows.filter((x) => x.patient === id).map((x) => x.option))];
    expect(options('P001')).toEqual(['continue', 'switch:ritlecitinib-50mg', 'switch:deuruxolitinib-8mg']);
    expect(options('P003')).toEqual(['start:baricitinib-4mg', 'start:ritlecitinib-50mg', 'start:deuruxolitinib-8mg']);
    expect(rows.filter((x) => x.patient === 'P001' && x.option === 'continue').map((x) => Number(x.month))).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));

    // P001 of the CSV is examples/patients/bari-6mo.yaml: the same numbers as predict --json.
    const single = await cli(['predict', 'examples/patients/bari-6mo.yaml', ...FAST, '--workers', '1', '--json']);
    expect(single.code).toBe(0);
    const doc = JSON.parse(single.out);
    for (const o of doc.options) {
      const mine = rows.filter((x) => x.patient === 'P001' && x.option === o.option);
      expect(mine.map((x) => Number(x.rate))).toEqual(o.responseBy.map((p: { rate: number }) => p.rate));
      expect(mine.map((x) => Number(x.lo))).toEqual(o.responseBy.map((p: { lo: number }) => p.lo));
      expect(mine.map((x) => Number(x.mcHi))).toEqual(o.responseByMonteCarlo.map((p: { hi: number }) => p.hi));
      expect(Number(mine[0].expectedMonthsToResponse)).toBe(o.expectedMonthsToResponse);
      expect(Number(mine[0].ess)).toBe(doc.ess);
    }
  });

  it('is byte-identical for 1 and 2 workers and for two shards merged by jaksim merge', async () => {
    const a = join(dir, 'w1');
    const b = join(dir, 'w2');
    const shards = join(dir, 'shards');
    expect((await cli(['predict', '--batch', EXAMPLE, ...FAST, '--workers', '1', '--out', a])).code).toBe(0);
    expect((await cli(['predict', '--batch', EXAMPLE, ...FAST, '--workers', '2', '--out', b])).code).toBe(0);
    const one = readFileSync(join(a, 'predictions.csv'));
    expect(readFileSync(join(b, 'predictions.csv')).equals(one)).toBe(true);

    const s1 = await cli(['predict', '--batch', EXAMPLE, ...FAST, '--workers', '2', '--out', shards, '--shard', '1/2']);
    expect(s1.code).toBe(0);
    expect(s1.out).toMatch(/^Shard 1\/2: 2 of 4 patients -> /m);
    // The shard prints the exact command that merges, with the folder merge finds the partials in.
    const command = /Merge once every shard is done: (.*)$/m.exec(s1.out)![1];
    expect(command).toMatch(/^npx jaksim merge \S+predict-shards-[0-9a-f]{12} --out \S+$/);

    // One shard alone: merge names the one missing.
    const merged = join(dir, 'merged');
    const early = await cli(['merge', shards, '--out', merged]);
    expect(early.code).toBe(2);
    expect(early.err).toMatch(/2 of 4 patients are missing: shard 2\/2 not given/);
    expect(existsSync(merged)).toBe(false);

    expect((await cli(['predict', '--batch', EXAMPLE, ...FAST, '--workers', '1', '--out', shards, '--shard', '2/2'])).code).toBe(0);
    // The --out folder the shards were given is enough: merge finds predict-shards-<hash> in it.
    const m = await cli(['merge', shards, '--out', merged]);
    expect(m.err).toBe('');
    expect(m.code).toBe(0);
    expect(readFileSync(join(merged, 'predictions.csv')).equals(one)).toBe(true);

    // Shards of another batch (another seed) do not merge with these.
    const other = join(dir, 'other');
    expect((await cli(['predict', '--batch', EXAMPLE, '--draws', '4000', '--parameter-draws', '2', '--seed', '8', '--workers', '1', '--out', other, '--shard', '1/2'])).code).toBe(0);
    const folder = (root: string) => join(root, readdirSync(root).find((f) => f.startsWith('predict-shards-'))!);
    const mixed = await cli(['merge', join(folder(other), 'shard-1-of-2.partial.json'), join(folder(shards), 'shard-2-of-2.partial.json'), '--out', join(dir, 'mixed')]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/not shards of the same predict batch/);
    // The same shard twice is caught.
    const twice = await cli(['merge', join(folder(shards), 'shard-1-of-2.partial.json'), join(folder(shards), 'shard-1-of-2.partial.json'), '--out', join(dir, 'twice')]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/is covered twice/);
  });

  it('refuses a patient whose history is too unlikely on that patient\'s row and predicts the others', async () => {
    const csv = file('unlikely.csv', `${readFileSync(EXAMPLE, 'utf8')}Z9,90,3,no,baricitinib-4mg,0,,,0.25,0\nZ9,90,3,no,baricitinib-4mg,0,,,0.5,100\nZ9,90,3,no,baricitinib-4mg,0,,,0.75,0\n`);
    const out = join(dir, 'unlikely');
    const r = await cli(['predict', '--batch', csv, '--draws', '4000', '--parameter-draws', '0', '--workers', '1', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^5 patients \(1 refused/);
    const rows = rowsOf(join(out, 'predictions.csv'));
    const z = rows.filter((x) => x.patient === 'Z9');
    expect(z).toHaveLength(1);
    expect(z[0].option).toBe('');
    expect(Number(z[0].ess)).toBeLessThan(100);
    expect(z[0].refusal).toMatch(/^patient Z9: the history is too unlikely under the model for 4000 draws: effective sample size/);
    expect(rows.filter((x) => x.patient === 'P001')).toHaveLength(3 * 36);
    expect(rows.filter((x) => x.refusal !== '')).toHaveLength(1);
  });

  const HEAD = 'patient,salt0,durYears,minoxidil,drug,start,stop,reason,month,salt\n';
  const bad: [string, string, RegExp][] = [
    ['a SALT score over 100', `${HEAD}A,90,3,no,baricitinib-4mg,0,,,3,170\n`, /row 2, column salt: expected a SALT score from 0 to 100, got "170"/],
    ['a misspelt column', 'patient,salt0,durYear,minoxidil\nA,90,3,no\n', /row 1, column 3: expected a column name .*got "durYear"; did you mean "durYears"\?/],
    ['a drug not in the catalog', `${HEAD}A,90,3,no,baritinib-4mg,0,,,3,80\n`, /row 2, column drug \(patient A\): expected a drug of the scenario's catalog.*did you mean "baricitinib-4mg"\?/],
    ['two baseline SALT scores for one patient', `${HEAD}A,90,3,no,baricitinib-4mg,0,,,3,80\nA,80,3,no,baricitinib-4mg,0,,,6,70\n`, /row 3, column salt0: expected the value given for patient A on row 2 \(90\), or nothing, got "80"/],
    ['a visit after its line stopped', `${HEAD}A,90,3,no,baricitinib-4mg,0,4,failure,6,80\n`, /row 2, column month \(patient A\): expected a month on baricitinib-4mg \(from 0 to 4\)/],
    ['minoxidil neither true nor false', `${HEAD}A,90,3,maybe,,,,,,\n`, /row 2, column minoxidil: expected true or false/],
    ['a month without its score', `${HEAD}A,90,3,no,baricitinib-4mg,0,,,3,\n`, /row 2, column salt: expected month and salt together/],
    ['a stop reason not known', `${HEAD}A,90,3,no,baricitinib-4mg,0,6,falure,3,80\n`, /row 2, column reason: expected one of failure, .*did you mean "failure"\?/],
    ['a row of the wrong length', `${HEAD}A,90,3,no\n`, /row 2: expected CSV \(RFC 4180/],
    ['the same visit twice', `${HEAD}A,90,3,no,baricitinib-4mg,0,,,3,80\nA,,,,baricitinib-4mg,0,,,3,70\n`, /row 3, column month: expected one SALT score per month of a line \(row 2 has month 3/],
    ['no baseline SALT for a patient', `${HEAD}A,,3,no,baricitinib-4mg,0,,,3,80\n`, /row 2, column salt0: expected a value for patient A on one of its rows, got nothing/],
  ];
  it.each(bad)('refuses %s: exit 2, the file, row and column, nothing written', async (_, text, message) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    const f = file(`bad-${Math.random().toString(36).slice(2)}.csv`, text);
    const r = await cli(['predict', '--batch', f, '--draws', '2000', '--workers', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain(f);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a patient file and --batch together, and --shard without --batch', async () => {
    const both = await cli(['predict', 'examples/patients/bari-6mo.yaml', '--batch', EXAMPLE]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give a patient file or --batch patients.csv \(one of them\)/);
    const shard = await cli(['predict', 'examples/patients/bari-6mo.yaml', '--shard', '1/2']);
    expect(shard.code).toBe(2);
    expect(shard.err).toMatch(/--shard: only with --batch/);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
