// One flag parser for every command (cli/flags.ts checkRawFlags, run by a yargs middleware before any
// handler): a flag given twice, a flag without its value and an empty argument are one line and exit 2;
// the shared limits (--workers, --seed) are the same for every command. Nothing runs, nothing is written.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'out');

/** Each command: its positional arguments, its value flags with a valid value, its boolean flags. */
const COMMANDS: Record<string, { head: string[]; values: Record<string, string>; booleans: string[] }> = {
  run: { head: ['run', 'scenarios/default.yaml'], values: { patients: '100', seed: '1', workers: '1', out, shard: '1/2' }, booleans: ['json', 'checkpoint', 'allow-large'] },
  sweep: { head: ['sweep', 'scenarios/default.yaml'], values: { patients: '100', seed: '1', workers: '1', out, shard: '1/2' }, booleans: ['json', 'allow-large'] },
  merge: { head: ['merge', join(dir, 'nothing')], values: { out }, booleans: ['json', 'allow-large'] },
  bench: { head: ['bench'], values: { scenario: 'scenarios/default.yaml', patients: '100', workers: '1', repeat: '1', baseline: 'b.json', 'max-regression': '5' }, booleans: ['json'] },
  trial: { head: ['trial', 'baricitinib-4mg'], values: { population: 'ALLEGRO', weeks: '12', patients: '100', seed: '1', 'by-baseline': '50-94', catalog: 'scenarios/catalog.calibrated.yaml', data: 'data/trials.json', workers: '1' }, booleans: ['json'] },
  power: {
    head: ['power', 'scenarios/default.yaml'],
    values: { design: 'parallel', arms: 'fail-6mo,fail-9mo', endpoint: 'cumulative@12', n: '100', alpha: '0.05', sides: '2', trials: '10', test: 'z', ratio: '1:1', target: '0.8', seed: '1', workers: '1', out },
    booleans: ['json'],
  },
  calibrate: { head: ['calibrate'], values: { data: 'data/trials.json', out: join(dir, 'c.yaml'), 'report-dir': join(dir, 'r'), patients: '100', seed: '1', starts: '1', 'max-evals': '0', draws: '0', workers: '1' }, booleans: ['fit-sigma', 'json'] },
  validate: { head: ['validate'], values: { data: 'data/trials.json', catalog: 'scenarios/catalog.calibrated.yaml', 'report-dir': join(dir, 'r'), draws: '0', workers: '1' }, booleans: ['json'] },
};

async function cli(args: string[]) {
  const err: string[] = [];
  const stdout: string[] = [];
  const code = await runCli(args, { out: (t) => stdout.push(t), err: (t) => err.push(t) });
  return { code, err: err.join(''), stdout: stdout.join('') };
}

const flagCases = Object.entries(COMMANDS).flatMap(([command, c]) => [
  ...Object.keys(c.values).map((flag) => ({ command, flag, boolean: false })),
  ...c.booleans.map((flag) => ({ command, flag, boolean: true })),
]);

function refusedAlone(r: { code: number; err: string; stdout: string }, message: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).toBe('');
}

describe('one flag parser for every command', () => {
  it('any flag of any command given twice (same or different values, --x v or --x=v) is refused naming it', async () => {
    const cases = fc.sample(fc.tuple(fc.constantFrom(...flagCases), fc.boolean(), fc.boolean()), { seed: 14, numRuns: 80 });
    for (const [{ command, flag, boolean }, same, inline] of cases) {
      const c = COMMANDS[command];
      const v = c.values[flag];
      const twice = boolean ? [`--${flag}`, `--${flag}`] : inline ? [`--${flag}=${v}`, `--${flag}=${same ? v : `${v}0`}`] : [`--${flag}`, v, `--${flag}`, same ? v : `${v}0`];
      refusedAlone(await cli([...c.head, ...twice]), new RegExp(`^jaksim: --${flag}: given twice`));
    }
    expect(existsSync(out)).toBe(false);
  });

  it('every value flag given without a value or with an empty one is refused naming it', async () => {
    for (const { command, flag, boolean } of flagCases.filter((f) => !f.boolean)) {
      void boolean;
      const c = COMMANDS[command];
      refusedAlone(await cli([...c.head, `--${flag}`]), new RegExp(`--${flag}: expected a value, got nothing`));
      refusedAlone(await cli([...c.head, `--${flag}=`]), new RegExp(`--${flag}: expected a value, got an empty one`));
      refusedAlone(await cli([...c.head, `--${flag}`, '']), new RegExp(`--${flag}: expected a value, got an empty one`));
    }
    refusedAlone(await cli(['run', '']), /expected an argument, got an empty one/);
    expect(existsSync(out)).toBe(false);
  });

  it('a list flag with an empty item is refused, never read as 0 or dropped', async () => {
    refusedAlone(await cli(['trial', 'baricitinib-4mg', '--population', 'ALLEGRO', '--weeks', '12,', '--workers', '1']), /--weeks: expected a comma-separated list of weeks/);
    refusedAlone(await cli(['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,fail-9mo', '--n', '100,,200', '--workers', '1', '--out', out]), /--n: expected a comma-separated list/);
    refusedAlone(await cli(['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,', '--workers', '1', '--out', out]), /--arms: expected a comma-separated list/);
    refusedAlone(await cli(['bench', '--workers', '1,']), /--workers: expected a comma-separated list of whole numbers/);
  });

  it('the shared limits are the same for every command: --workers 1 to 64, --seed a whole number >= 0', async () => {
    for (const [command, c] of Object.entries(COMMANDS)) {
      if (c.values.workers !== undefined && command !== 'bench') {
        for (const w of ['0', 'abc', '300', '1.5', '-2']) refusedAlone(await cli([...c.head, '--workers', w]), /--workers: expected a whole number from 1 to 64/);
      }
      if (c.values.seed !== undefined) {
        for (const seed of ['-1', '0.5', 'x', '1e300']) refusedAlone(await cli([...c.head, '--seed', seed]), /--seed: expected a whole number from 0 to/);
      }
    }
    refusedAlone(await cli(['bench', '--workers', '1,300']), /--workers: expected a comma-separated list of whole numbers from 1 to 64/);
  });

  it('power: --alpha below 1e-10, and --n times --trials beyond 1e9 patients, are refused before anything runs', async () => {
    const head = ['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,fail-9mo', '--workers', '1', '--out', out];
    refusedAlone(await cli([...head, '--alpha', '1e-16']), /--alpha: expected a number from 1e-10/);
    refusedAlone(await cli([...head, '--n', '1000000', '--trials', '1000000']), /--n and --trials: 1\.00e\+12 simulated patients .* at most 1e\+9/);
    refusedAlone(await cli([...head, '--n', '100,200,300,400,500,600,700,800,900,1000', '--trials', '200000']), /--n and --trials: 1\.10e\+9/);
    expect(existsSync(out)).toBe(false);
  });

  it('bench: a NaN or out-of-range --max-regression, and a baseline sharing no worker count, are refused', async () => {
    refusedAlone(await cli(['bench', '--max-regression', 'abc']), /--max-regression: expected a percentage from 0 to 100, got NaN/);
    refusedAlone(await cli(['bench', '--max-regression', '-5']), /--max-regression: expected a percentage/);
  });
});
