// Golden outputs of the shipped scenarios and commands, pinned before the architecture change of issue 12.
// These are regression pins (byte-identical results across a refactor), not evidence of correctness: the
// statistical tests elsewhere check the numbers against independent computations.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Fields that differ from one invocation to the next (the command line, wall time). */
const VOLATILE = new Set(['command', 'elapsedSeconds', 'seconds']);

/** JSON text without the volatile fields, pretty-printed with a final newline. */
export function stable(text: string): string {
  return `${JSON.stringify(JSON.parse(text), (k, v: unknown) => (VOLATILE.has(k) ? undefined : v), 2)}\n`;
}

async function jaksim(args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, ['bin/jaksim.js', ...args], { maxBuffer: 1 << 26 });
  return stdout;
}

/** The one results folder written under `out`. */
function resultFolder(out: string): string {
  const [scenario] = readdirSync(out);
  const [run] = readdirSync(join(out, scenario)).filter((f) => !f.startsWith('.') && !f.startsWith('shards-'));
  return join(out, scenario, run);
}

async function withOut<T>(work: (out: string) => Promise<T>): Promise<T> {
  const out = mkdtempSync(join(tmpdir(), 'jaksim-golden-'));
  try {
    return await work(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export const RUN_SCENARIOS = [
  'bari-ritle-costs', 'canonical-bench', 'default', 'drug-order', 'early-worsening',
  'partial-responders', 'six-vs-nine-stay', 'smart-second-line',
];

export interface GoldenCase { name: string; produce: () => Promise<Record<string, string>> }

function runCase(scenario: string): GoldenCase {
  return {
    name: `run-${scenario}`,
    produce: () => withOut(async (out) => {
      await jaksim(['run', `scenarios/${scenario}.yaml`, '--patients', '10000', '--workers', '1', '--out', out]);
      const dir = resultFolder(out);
      return {
        'summary.json': stable(readFileSync(join(dir, 'summary.json'), 'utf8')),
        'curves.csv': readFileSync(join(dir, 'curves.csv'), 'utf8'),
        ...(existsSync(join(dir, 'comparisons.csv')) ? { 'comparisons.csv': readFileSync(join(dir, 'comparisons.csv'), 'utf8') } : {}),
      };
    }),
  };
}

export const CASES: GoldenCase[] = [
  ...RUN_SCENARIOS.map(runCase),
  {
    name: 'sweep-threshold-sweep',
    produce: () => withOut(async (out) => {
      await jaksim(['sweep', 'scenarios/threshold-sweep.yaml', '--patients', '4096', '--workers', '2', '--out', out]);
      const dir = resultFolder(out);
      return {
        'sweep.json': stable(readFileSync(join(dir, 'sweep.json'), 'utf8')),
        'sweep.csv': readFileSync(join(dir, 'sweep.csv'), 'utf8'),
        'comparisons.csv': readFileSync(join(dir, 'comparisons.csv'), 'utf8'),
      };
    }),
  },
  {
    name: 'trial-baricitinib-4mg',
    produce: async () => ({
      'trial.json': stable(await jaksim(['trial', 'baricitinib-4mg', '--population', 'BRAVE-AA', '--patients', '20000',
        '--by-baseline', '50-94,95-100', '--workers', '2', '--json'])),
    }),
  },
  {
    name: 'power-parallel',
    produce: () => withOut(async (out) => {
      await jaksim(['power', 'scenarios/default.yaml', '--arms', 'fail-6mo,fail-9mo', '--n', '100,300', '--trials', '200',
        '--endpoint', 'cumulative@12', '--test', 'fisher', '--target', '0.3', '--workers', '2', '--out', out]);
      const dir = resultFolder(out);
      return {
        'power.json': stable(readFileSync(join(dir, 'power.json'), 'utf8')),
        'power.csv': readFileSync(join(dir, 'power.csv'), 'utf8'),
      };
    }),
  },
  {
    name: 'power-smart',
    produce: () => withOut(async (out) => ({
      'power.json': stable(await jaksim(['power', 'scenarios/smart-second-line.yaml', '--design', 'smart',
        '--options', 'switch-ritle,switch-deurux,extend-12', '--n', '200', '--trials', '100', '--endpoint', 'cumulative@24',
        '--workers', '1', '--json', '--out', out])),
    })),
  },
  {
    name: 'validate',
    produce: () => withOut(async (out) => {
      // The shipped catalog is fitted on version 2 of the trial data (data/trials.json).
      await jaksim(['validate', '--data', 'data/trials.json', '--draws', '2', '--workers', '2', '--report-dir', out]);
      return Object.fromEntries(['points.csv', 'curves.csv', 'parameters.csv'].map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    }),
  },
];
