// `jaksim bench`: each worker count measured in a fresh child process (clean peak memory), one JSON document.
import { execFile, execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Argv } from 'yargs';
import { benchDocument, measureWorkers } from '../app/bench.js';
import { resolveScenario } from '../app/run.js';
import { withEngine } from '../engine/pool.js';
import { readBenchDocument, type BenchDocument, type BenchMachine, type WorkerMeasurement } from '../io/benchDocument.js';
import { UserError } from '../io/errors.js';
import { LIMITS } from '../io/scenario.js';
import type { CliContext } from './context.js';
import { MAX_WORKERS, checkInteger, checkWorkers, parseIntegerList } from './flags.js';

const exec = promisify(execFile);

export interface BenchArgs {
  scenario: string;
  patients?: number;
  workers: string;
  repeat: number;
  json: boolean;
  baseline?: string;
  maxRegression: number;
  child?: number;
}

/** yargs options of `jaksim bench`. */
export function withBenchOptions<T>(y: Argv<T>) {
  return y
    .option('scenario', { type: 'string', default: 'scenarios/canonical-bench.yaml', describe: 'scenario to time' })
    .option('patients', { type: 'number', describe: 'patients per run (overrides the scenario)' })
    .option('workers', { type: 'string', default: '1,2', describe: 'comma-separated worker counts' })
    .option('repeat', { type: 'number', default: 5, describe: 'timed runs per worker count, after one warm-up' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
    .option('baseline', { type: 'string', describe: 'earlier --json document to compare with' })
    .option('max-regression', { type: 'number', default: 10, describe: 'exit 3 when median patients/s fell by more than this percentage' })
    .option('child', { type: 'number', hidden: true });
}

function machine(): BenchMachine {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    gitCommit = null;
  }
  return { gitCommit, node: process.version, cpuModel: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length };
}

/** This command's entry script (bin.ts under tsx, bin.js compiled): what a child process runs. */
const entryScript = (): string => fileURLToPath(new URL(`./bin.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

/** Returns the exit code: 0, or 3 when a baseline comparison shows a regression. */
export async function benchCommand(args: BenchArgs, cli: CliContext): Promise<number> {
  checkInteger('patients', args.patients, 1, LIMITS.patients);
  checkInteger('repeat', args.repeat, 1, 100);
  const scenario = resolveScenario({ scenario: args.scenario, patients: args.patients });
  const { io } = cli;
  if (args.child !== undefined) {
    checkWorkers(args.child);
    const { curvesSha256, ...m } = await withEngine(args.child, (engine) => measureWorkers(scenario, engine, args.repeat));
    io.out(JSON.stringify({ ...m, peakRssMiB: process.resourceUsage().maxRSS / 1024, curvesSha256 }));
    return 0;
  }
  const workerCounts = parseIntegerList('workers', args.workers, 1, MAX_WORKERS);
  if (!(args.maxRegression >= 0 && args.maxRegression <= 100)) {
    throw new UserError(`--max-regression: expected a percentage from 0 to 100, got ${args.maxRegression}`);
  }
  const baseline = args.baseline === undefined ? undefined
    : { file: args.baseline, document: readBenchDocument(args.baseline), maxRegressionPct: args.maxRegression };
  if (baseline && !baseline.document.results.some((r) => workerCounts.includes(r.workers))) {
    throw new UserError(`--baseline: ${baseline.file} has no result for --workers ${workerCounts.join(',')} (it has ${baseline.document.results.map((r) => r.workers).join(', ')}): the gate would compare nothing`);
  }
  const measure = async (w: number): Promise<WorkerMeasurement> => {
    if (!args.json) io.err(`bench: ${scenario.patients.toLocaleString('en-US')} patients x ${args.repeat} with ${w} worker(s)...`);
    // A fresh process per worker count: peak memory and JIT state are its own.
    const childArgs = [...process.execArgv, entryScript(), 'bench', '--scenario', args.scenario,
      '--patients', String(scenario.patients), '--repeat', String(args.repeat), '--child', String(w)];
    const { stdout } = await exec(process.execPath, childArgs, { maxBuffer: 1 << 24 });
    return JSON.parse(stdout) as WorkerMeasurement;
  };
  const doc = await benchDocument({ scenario, scenarioFile: args.scenario, repeat: args.repeat, machine: machine(), baseline }, workerCounts, measure);
  io.out(args.json ? JSON.stringify(doc, null, 2) : formatBench(doc));
  return doc.baseline?.regressed ? 3 : 0;
}

function formatBench(doc: BenchDocument): string {
  const lines = [
    `jaksim ${doc.engineVersion} (${doc.gitCommit?.slice(0, 10) ?? 'no git'}), node ${doc.node}, ${doc.cpuCount} x ${doc.cpuModel}`,
    `${doc.scenario}: ${doc.patients.toLocaleString('en-US')} patients, ${doc.repeat} timed run(s) per worker count after a warm-up`,
    '',
    'workers  median patients/s  min        max        median wall s  peak RSS MiB  efficiency',
  ];
  for (const r of doc.results) {
    lines.push([
      String(r.workers).padEnd(7),
      Math.round(r.medianPatientsPerSecond).toLocaleString('en-US').padStart(17),
      Math.round(r.minPatientsPerSecond).toLocaleString('en-US').padStart(10),
      Math.round(r.maxPatientsPerSecond).toLocaleString('en-US').padStart(10),
      r.medianSeconds.toFixed(3).padStart(14),
      r.peakRssMiB.toFixed(0).padStart(13),
      (r.parallelEfficiency === null ? '-' : r.parallelEfficiency.toFixed(2)).padStart(11),
    ].join('  '));
  }
  if (doc.baseline) {
    lines.push('', `baseline ${doc.baseline.file} (fail when median falls by more than ${doc.baseline.maxRegressionPct}%):`);
    for (const c of doc.baseline.comparisons) {
      lines.push(`  ${c.workers} worker(s): ${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%${c.regressed ? '  REGRESSION' : ''}`);
    }
  }
  return lines.join('\n');
}
