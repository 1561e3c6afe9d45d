// `jaksim power`: the --json document, the files written, and user errors (one line, exit 2, nothing written).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { knownDoc } from './fixture.js';

function fixtureFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-power-'));
  const file = join(dir, 'known.json');
  const single = (id: string) => ({ id, sequence: [id], failAtMonths: 12, afterLastLine: 'stay' });
  writeFileSync(file, JSON.stringify({
    ...knownDoc({ a: 0.5, c: 0.8 }, [single('a'), single('c'),
      { id: 'a-then-c', sequence: ['a', 'c'], failAtMonths: 6, afterLastLine: 'stay' }]),
    name: 'known',
  }));
  return { dir, file };
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('jaksim power', () => {
  it('--json prints the document; results/ holds power.csv, power.json, report.html', async () => {
    const { dir, file } = fixtureFile();
    const outDir = join(dir, 'results');
    const r = await cli(['power', file, '--arms', 'a,c', '--n', '40,120', '--trials', '200', '--workers', '1', '--out', outDir, '--json']);
    expect(r.err).toMatch(/^warning: drug parameters not calibrated to the trials: a, c\.[^]*Scenario files"\)\.$/); // made-up drugs
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ design: 'parallel', endpoint: 'cumulative@12', alpha: 0.05, arms: ['a', 'c'], trials: 200 });
    expect(doc.results.map((x: { n: number }) => x.n)).toEqual([40, 120]);
    for (const x of doc.results) for (const key of ['power', 'lo', 'hi']) expect(typeof x[key]).toBe('number');
    expect(typeof doc.sampleSize).toBe('number');
    const runs = readdirSync(join(outDir, 'known'));
    expect(runs).toHaveLength(1);
    const folder = join(outDir, 'known', runs[0]);
    expect(JSON.parse(readFileSync(join(folder, 'power.json'), 'utf8')).results).toEqual(doc.results);
    const csv = readFileSync(join(folder, 'power.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^kind,design,endpoint,alpha,sides,test,arm1,arm2,ratio,decision_month,n,/);
    expect(csv.filter((l) => l.startsWith('curve,'))).toHaveLength(2);
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain(`n = ${doc.sampleSize}`);
    expect(html).toContain('Resolved scenario'); // the assumptions' source, with every default
  });

  it('SMART from the command line', async () => {
    const { dir, file } = fixtureFile();
    const r = await cli(['power', file, '--design', 'smart', '--options', 'a-then-c,a', '--n', '60', '--trials', '50',
      '--workers', '1', '--out', join(dir, 'results'), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ design: 'smart', options: ['a-then-c', 'a'], decisionMonth: 6, compare: ['a-then-c', 'a'] });
    expect(doc.results[0].means.map((m: { id: string }) => m.id)).toEqual(['a-then-c', 'a']);
  });

  it.each([
    [['--arms', 'a,nope'], /--arms: unknown policy "nope"/],
    [['--arms', 'a'], /--arms: expected two policy ids/],
    [['--arms', 'a,c', '--endpoint', 'cumulative12'], /--endpoint: expected/],
    [['--arms', 'a,c', '--endpoint', 'cumulative@99'], /--endpoint: expected a visit month/],
    [['--arms', 'a,c', '--n', '0,100'], /--n: expected whole numbers/],
    [['--arms', 'a,c', '--n', '-5'], /--n: expected whole numbers/],
    [['--arms', 'a,c', '--alpha', '1.5'], /--alpha/],
    [['--arms', 'a,c', '--sides', '3'], /--sides/],
    [['--arms', 'a,c', '--test', 'welch'], /Welch/],
    [['--arms', 'a,c', '--endpoint', 'nonresponse', '--test', 'fisher'], /welch/],
    [['--arms', 'a,c', '--ratio', '0:1'], /--ratio/],
    [['--design', 'crossover', '--arms', 'a,c'], /--design/],
    [['--arms', 'a,c', '--n', '10', '--ratio', '9:1'], /at least 2 on each/],
    [['--design', 'smart', '--options', 'a-then-c,a', '--compare', 'a,a'], /two different options/],
    [['--design', 'smart', '--arms', 'a,c', '--options', 'a-then-c,a'], /--arms is for --design parallel/],
  ])('user error %j: one line, exit 2, nothing written', async (flags, message) => {
    const { dir, file } = fixtureFile();
    const outDir = join(dir, 'results');
    const r = await cli(['power', file, ...flags, '--trials', '10', '--workers', '1', '--out', outDir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(existsSync(outDir)).toBe(false);
  });

  it('a SMART null design is spelled by listing one policy twice in --options: power equals the type I error', async () => {
    const { dir, file } = fixtureFile();
    const r = await cli(['power', file, '--design', 'smart', '--options', 'a-then-c,a-then-c', '--decision-month', '6', '--n', '200', '--trials', '400', '--workers', '1', '--out', join(dir, 'results'), '--json']);
    expect(r.err.replace(/^warning: drug parameters not calibrated[^]*?\(README, "Scenario files"\)\.\n?/, '')).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.options).toEqual(['a-then-c', 'a-then-c']);
    const [point] = doc.results;
    expect(point.power).toBe(point.typeIError);
    // Identical regimes: the rejection rate is a test's size; within 4 Monte Carlo SE of alpha (0.05, 400 trials).
    expect(Math.abs(point.power - 0.05)).toBeLessThan(4 * Math.sqrt(0.05 * 0.95 / 400));
    // --compare naming the policy twice picks its two positions; naming another twice is still refused.
    const named = await cli(['power', file, '--design', 'smart', '--options', 'a-then-c,a-then-c', '--compare', 'a-then-c,a-then-c', '--decision-month', '6', '--n', '200', '--trials', '20', '--workers', '1', '--out', join(dir, 'results'), '--json']);
    expect(named.code, named.err).toBe(0);
    const twice = await cli(['power', file, '--design', 'smart', '--options', 'a-then-c,a', '--compare', 'a,a', '--decision-month', '6', '--n', '200', '--trials', '20', '--workers', '1', '--out', join(dir, 'results')]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/--compare: expected two different options, got a twice \(list it twice in --options for a null design\)/);
  });
});
