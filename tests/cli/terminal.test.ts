// Issue 10, point 4: the terminal. Progress on stderr (elapsed, rate, ETA, thousands separators, never wider than
// the terminal, only on a terminal) for run, sweep, power, trial, calibrate and validate; tables within 100
// columns with --months; --version; a bare command in plain words; "did you mean" for fields, --set paths, flags.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { PROGRESS_TIMING, formatDuration, formatProgress, progressBar, type ProgressStream } from '../../src/cli/progress.js';
import { fitTable, wrapText } from '../../src/io/columns.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'jaksim-terminal-'));

/** A terminal stand-in: what was written, and a clock the test moves. */
function fakeTerminal(columns: number, isTTY = true) {
  const writes: string[] = [];
  let t = 0;
  const stream: ProgressStream = { isTTY, columns, write: (s: string) => writes.push(s) };
  return { stream, writes, now: () => t, tick: (ms: number) => { t += ms; } };
}

/** The progress lines drawn into `text` (each `\r<line>\x1b[K`), without the control codes. */
const progressLines = (text: string) => text.split('\r').map((s) => s.replace(/\x1b\[K/g, '')).filter((s) => s.trim().length > 0 && !s.includes('\n'));

describe('the progress line', () => {
  it('holds elapsed time, rate and ETA with thousands separators, and is never wider than the terminal', () => {
    const state = { label: 'default', done: 250_000, total: 1_000_000, elapsedMs: 5_000, unit: 'patients', rate: 50_000 };
    const wide = formatProgress(state, 120);
    expect(wide).toMatch(/^default  \[#+\.+\]  25%  250,000\/1,000,000 patients  5s elapsed  50,000 patients\/s  ETA 15s$/);
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(7260)).toBe('2h 01m');
    const long = { ...state, label: 'a-scenario-with-a-very-long-name point 12/20', done: 123_456_789, total: 987_654_321 };
    for (let columns = 10; columns <= 200; columns++) {
      for (const s of [state, long, { ...state, total: undefined }, { ...state, rate: undefined }, { ...state, done: 2e6 }]) {
        expect(formatProgress(s, columns).length, `${columns} columns`).toBeLessThanOrEqual(columns - 1);
      }
    }
    // Less room: the bar goes first, then the rate, then the counts; the ETA stays.
    expect(formatProgress(state, 62)).toBe('default  25%  250,000/1,000,000 patients  5s elapsed  ETA 15s');
    expect(formatProgress(state, 40)).toBe('default  25%  5s elapsed  ETA 15s');
    // Total unknown (calibrate): no bar, no percentage, no ETA.
    expect(formatProgress({ ...state, total: undefined }, 100)).toBe('default  250,000 patients  5s elapsed  50,000 patients/s');
  });

  it('is drawn only on a terminal, after a second, from the first unit on; cleared at the end; lines printed above it', () => {
    const off = fakeTerminal(80, false);
    const quiet = progressBar(true, 'x', { stream: off.stream, now: off.now, total: 10 });
    quiet.onProgress(5, 10);
    quiet.stop();
    expect(off.writes).toEqual([]);
    const disabled = fakeTerminal(80);
    progressBar(false, 'x', { stream: disabled.stream, now: disabled.now }).onProgress(5, 10);
    expect(disabled.writes).toEqual([]);

    const term = fakeTerminal(70);
    const bar = progressBar(true, 'run', { stream: term.stream, now: term.now, total: 100_000 });
    bar.add(4096);
    term.tick(500);
    bar.add(4096);
    expect(term.writes).toEqual([]); // not before a second
    term.tick(600);
    bar.add(4096);
    expect(term.writes).toHaveLength(1);
    // Rate from the first unit on: 8,192 patients in 1.1 s, so (100,000 - 12,288) / 7,447 per s = 11.8 s left.
    expect(term.writes[0]).toBe('\rrun  12%  12,288/100,000 patients  1s elapsed  ETA 12s\x1b[K'); // no room for the rate in 69
    term.tick(200);
    const printed: string[] = [];
    bar.interrupt(() => printed.push('a log line'));
    expect(printed).toEqual(['a log line']);
    expect(term.writes.slice(1, 3)).toEqual(['\r\x1b[K', expect.stringMatching(/^\rrun .*\x1b\[K$/)]);
    bar.stop();
    expect(term.writes.at(-1)).toBe('\r\x1b[K');
  });
});

describe('progress of every long command, on a terminal', () => {
  const saved = { ...PROGRESS_TIMING };
  let written: string[];
  let restore: () => void;
  beforeEach(() => {
    Object.assign(PROGRESS_TIMING, { delayMs: 0, everyMs: 0, rateAfterMs: 0 });
    written = [];
    const stderr = process.stderr as unknown as { isTTY?: boolean; columns?: number };
    const was = { isTTY: stderr.isTTY, columns: stderr.columns };
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stderr, 'columns', { value: 64, configurable: true });
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { written.push(String(s)); return true; });
    restore = () => {
      spy.mockRestore();
      Object.defineProperty(process.stderr, 'isTTY', { value: was.isTTY, configurable: true });
      Object.defineProperty(process.stderr, 'columns', { value: was.columns, configurable: true });
    };
  });
  afterEach(() => {
    restore();
    Object.assign(PROGRESS_TIMING, saved);
  });

  /** The command's own output (stdout) keeps within 100 columns too, file paths aside. */
  const narrow = (r: { out: string }, what: string) =>
    expect(r.out.split('\n').filter((l) => l.length > 100 && !/^(Results|Report|Catalog): /.test(l)), what).toEqual([]);
  const check = (what: string, needEta = true) => {
    const all = written.join('');
    const lines = progressLines(all);
    expect(lines.length, `${what}: no progress line`).toBeGreaterThan(0);
    for (const l of lines) expect(l.length, `${what}: ${l}`).toBeLessThanOrEqual(63);
    expect(lines.some((l) => /\d+s elapsed/.test(l)), what).toBe(true);
    if (needEta) expect(lines.some((l) => /ETA \d/.test(l)), `${what}: ${lines.join(' | ')}`).toBe(true);
    expect(all.endsWith('\r\x1b[K'), `${what}: the line is cleared at the end`).toBe(true);
  };

  it('run, sweep, power, trial, validate, calibrate', async () => {
    const dir = tmp();
    const run = await cli(['run', 'scenarios/default.yaml', '--patients', '40000', '--workers', '1', '--out', dir]);
    expect(run.code, run.err).toBe(0);
    check('run');
    expect(progressLines(written.join('')).some((l) => /\d,\d{3}\/40,000 patients/.test(l))).toBe(true);
    written.length = 0;
    expect((await cli(['sweep', 'scenarios/default.yaml', '--set', 'rhoClass=0,1', '--patients', '12000', '--workers', '1', '--out', dir])).code).toBe(0);
    check('sweep');
    // One line for the whole grid: patients of every point.
    expect(progressLines(written.join('')).some((l) => /\/24,000 patients/.test(l))).toBe(true);
    written.length = 0;
    const power = await cli(['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,fail-9mo', '--n', '100,200', '--trials', '40', '--workers', '1', '--out', dir]);
    expect(power.code).toBe(0);
    check('power');
    narrow(power, 'power');
    written.length = 0;
    const trial = await cli(['trial', 'baricitinib-4mg', '--population', 'BRAVE-AA', '--patients', '30000', '--by-baseline', '50-94,95-100', '--workers', '1']);
    expect(trial.code).toBe(0);
    check('trial');
    narrow(trial, 'trial');
    written.length = 0;
    const validate = await cli(['validate', '--data', 'data/trials.json', '--draws', '1', '--workers', '1', '--report-dir', join(dir, 'validate')]);
    expect(validate.code).toBe(0);
    check('validate');
    narrow(validate, 'validate');
    expect(validate.out).toMatch(/^BRAVE-AA1\s+baricitinib-4mg\s+52\s+all\s+40\.9 \(35\.3-46\.7\)/m);
    written.length = 0;
    // calibrate: an optimiser's length is unknown beforehand, so elapsed and rate without an ETA; its log lines
    // are printed above the progress line, never inside it.
    const trials = JSON.parse(readFileSync('data/trials.json', 'utf8'));
    trials.arms = trials.arms.filter((a: { drug: string }) => a.drug === 'baricitinib-4mg' || a.drug === 'placebo').slice(0, 2);
    // Two arms only (a small fit): none of version 2's subgroups and designs.
    for (const key of ['subgroups', 'maintenance', 'withdrawal']) trials[key] = [];
    writeFileSync(join(dir, 'trials.json'), JSON.stringify(trials));
    const cal = await cli(['calibrate', '--data', join(dir, 'trials.json'), '--out', join(dir, 'cat.yaml'), '--report-dir', join(dir, 'cal'),
      '--patients', '200', '--starts', '1', '--max-evals', '5', '--draws', '0', '--workers', '1']);
    expect(cal.code, cal.err).toBe(0);
    check('calibrate', false);
    narrow(cal, 'calibrate');
  });

  it('nothing is drawn with --json', async () => {
    expect((await cli(['run', 'scenarios/default.yaml', '--patients', '8000', '--workers', '1', '--json', '--out', tmp()])).code).toBe(0);
    expect(written.join('')).not.toContain('\r');
  });
});

describe('console tables', () => {
  it('fit 100 columns: columns split into blocks that repeat the label, long labels cut, header cells on lines', () => {
    const rows = [['policy', ...Array.from({ length: 12 }, (_, i) => `month\n${i + 1}`)],
      ['a', ...Array.from({ length: 12 }, () => '25.6 (25.3-25.9)')], ['b'.repeat(80), ...Array.from({ length: 12 }, () => '1.0 (0.5-1.5)')]];
    const text = fitTable(rows);
    const lines = text.split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    const blocks = text.split('\n\n');
    expect(blocks.length).toBe(4); // beside a 40-column label, 3 cells of 16 (+2) fit in 100: 4 blocks of 3
    for (const b of blocks) expect(b.split('\n').map((l) => l.slice(0, 6))).toEqual(['      ', 'policy', 'a     ', 'bbbbbb']);
    expect(lines[1]).toMatch(/^policy\s+1\s+2\s+3/);
    expect(text).toContain(`${'b'.repeat(39)}~`);
    expect(wrapText('word '.repeat(50), 30).split('\n').every((l) => l.length <= 30)).toBe(true);
  });

  it('every shipped scenario prints within 100 columns, and --months chooses the months', async () => {
    for (const f of ['default', 'six-vs-nine-stay', 'bari-ritle-costs', 'drug-order', 'early-worsening', 'partial-responders', 'smart-second-line']) {
      const r = await cli(['run', `scenarios/${f}.yaml`, '--patients', '2000', '--workers', '1', '--out', tmp()]);
      expect(r.code, r.err).toBe(0);
      const wide = r.out.split('\n').filter((l) => l.length > 100 && !/^(Results|Report): /.test(l));
      expect(wide, f).toEqual([]);
    }
    const every = await cli(['run', 'scenarios/drug-order.yaml', '--patients', '2000', '--workers', '1', '--out', tmp(),
      '--months', Array.from({ length: 36 }, (_, i) => i + 1).join(',')]);
    expect(every.out.split('\n').filter((l) => l.length > 100 && !/^(Results|Report): /.test(l))).toEqual([]);
    const chosen = await cli(['run', 'scenarios/default.yaml', '--patients', '2000', '--workers', '1', '--out', tmp(), '--months', '24,6,9,12']);
    expect(chosen.out).toMatch(/^month\s+6\s+9\s+12\s+24$/m);
    expect(chosen.out).not.toMatch(/^month.*\b36\b/m);
    const sweep = await cli(['sweep', 'scenarios/default.yaml', '--set', 'rhoClass=0,1', '--patients', '2000', '--workers', '1', '--out', tmp(), '--months', '6,9']);
    expect(sweep.out).toMatch(/policy\s+6 mo\s+9 mo$/m);
    expect(sweep.out).toMatch(/comparison\s+6 mo\s+9 mo$/m); // every comparison, at the chosen months
    const bad = await cli(['run', 'scenarios/default.yaml', '--months', '6,7.5', '--out', tmp()]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('jaksim: --months: expected visit months (multiples of 1 up to the horizon, 36) such as 6,9,12,24, got "6,7.5"');
  });
});

describe('the command line in plain words', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const args of [['--version'], ['run', '--version']]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`jaksim ${pkg.version} (Node ${process.versions.node})`);
    }
  });

  it('a bare `jaksim run` (and sweep, power, trial, merge) says what is missing, with an example', async () => {
    const r = await cli(['run']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^jaksim: missing the scenario file: the YAML file that describes the patients, the drugs and the policies to compare\. Try `jaksim run scenarios\/default\.yaml`/);
    expect(r.err).not.toMatch(/non-option/);
    for (const [command, words] of [['sweep', /missing the scenario file.*--set/], ['power', /missing the scenario file.*--arms/],
      ['trial', /missing the drug.*--population/], ['merge', /missing the partial results/]] as const) {
      const x = await cli([command]);
      expect(x.code, command).toBe(2);
      expect(x.err, command).toMatch(words);
    }
  });

  it('"did you mean" for a mistyped scenario field, --set path, flag or drug', async () => {
    const dir = tmp();
    const run = async (yaml: string, extra: string[] = []) => {
      const file = join(dir, 's.yaml');
      writeFileSync(file, yaml);
      return cli(['run', file, '--out', join(dir, 'results'), ...extra]);
    };
    const policy = 'policies: [{ id: p, sequence: [baricitinib-4mg] }]\n';
    expect((await run(`patient: 100\n${policy}`)).err).toMatch(/s\.yaml: patient: expected no such field \(unknown key\); did you mean "patients"\?$/);
    expect((await run('policies: [{ id: p, sequence: [baricitinib-4mg], failAtMonth: 9 }]\n')).err)
      .toMatch(/policies\[0\]\.failAtMonth: expected no such field \(unknown key\); did you mean "failAtMonths"\?$/);
    expect((await run(`population: { minoxidilShar: 0.2 }\n${policy}`)).err).toMatch(/population\.minoxidilShar: .*did you mean "minoxidilShare"\?$/);
    expect((await run(`catalog: { fle: catalog.calibrated.yaml }\n${policy}`)).err).toMatch(/catalog\.fle: .*did you mean "file"\?$/);
    expect((await run('policies: [{ id: p, sequence: [baricitnib-4mg] }]\n')).err).toMatch(/got "baricitnib-4mg"; did you mean "baricitinib-4mg"\?$/);
    expect((await run(`colour: blue\n${policy}`)).err).toMatch(/colour: expected no such field \(unknown key\)$/); // nothing near: no guess
    expect((await run(policy, ['--pateints', '10'])).err).toMatch(/Unknown argument: pateints; did you mean --patients\?/);
    const file = join(dir, 's.yaml');
    writeFileSync(file, policy);
    expect((await cli(['sweep', file, '--set', 'rhoClas=0,1', '--out', dir])).err).toMatch(/"rhoClas" is not a scenario field; did you mean correlation\.rhoClass\?$/);
    expect((await cli(['sweep', file, '--set', 'policy.failAtMonth=6,9', '--out', dir])).err).toMatch(/did you mean policy\.failAtMonths\?$/);
  });
});
