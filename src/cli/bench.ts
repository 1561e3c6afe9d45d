// `jaksim bench`: each worker count measured in a fresh child process (clean peak memory), one JSON document.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Argv } from 'yargs';
import { benchDocument, measureWorkers, type ReferenceRun } from '../app/bench.js';
import { resolveScenario } from '../app/run.js';
import { withEngine } from '../engine/pool.js';
import { readBenchDocument, type BenchDocument, type BenchMachine, type WorkerMeasurement } from '../io/benchDocument.js';
import { UserError } from '../io/errors.js';
import { LIMITS } from '../io/scenario.js';
import type { CliContext } from './context.js';
import { MAX_WORKERS, checkInteger, checkWorkers, parseIntegerList } from './flags.js';
import { median } from '../stats/quantiles.js';

const exec = promisify(execFile);

export interface BenchArgs {
  scenario: string;
  patients?: number;
  workers: string;
  repeat: number;
  json: boolean;
  baseline?: string;
  maxRegression: number;
  reference: boolean;
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
    .option('reference', { type: 'boolean', default: true, describe: 'also time the C reference (bench/reference/canonical.c, canonical scenario, gcc -O2) in alternation; --no-reference skips it' })
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

/** The measuring process's entry script (benchChild.ts under tsx, benchChild.js compiled). */
const childScript = (): string => fileURLToPath(new URL(`./benchChild.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

/** The C reference's source: in a checkout (not in the npm package). */
const REFERENCE_SOURCE = fileURLToPath(new URL('../../bench/reference/canonical.c', import.meta.url));

/**
 * The C reference compiled with `gcc -O2` into the temporary folder (once per source text), or null when
 * there is no source or no gcc; the reason goes to `note`.
 */
function compiledReference(note: (text: string) => void): { binary: string; compiler: string } | null {
  if (!existsSync(REFERENCE_SOURCE)) {
    note('bench: no C reference here (bench/reference/canonical.c is in the source checkout only)');
    return null;
  }
  let compiler: string;
  try {
    compiler = execFileSync('gcc', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0];
  } catch {
    note('bench: gcc not found, the C reference is not measured');
    return null;
  }
  const hash = createHash('sha256').update(readFileSync(REFERENCE_SOURCE)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `jaksim-reference-${hash}`);
  const binary = join(dir, 'canonical');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}`;
    execFileSync('gcc', ['-O2', '-o', partial, REFERENCE_SOURCE, '-lm'], { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(partial, binary);
  }
  return { binary, compiler: `${compiler} -O2` };
}

/** Wall seconds of an awaited child process and its stdout. */
async function timed(file: string, args: string[]): Promise<{ stdout: string; wall: number }> {
  const t0 = performance.now();
  const { stdout } = await exec(file, args, { maxBuffer: 1 << 24 });
  return { stdout, wall: (performance.now() - t0) / 1000 };
}

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
  const quiet = args.json;
  const note = (text: string) => { if (!quiet) io.err(text); };
  // The C reference implements the canonical scenario only.
  const ref = args.reference && scenario.name === 'canonical-bench' ? compiledReference(note) : null;
  const reference = async (): Promise<ReferenceRun> => {
    note(`bench: C reference, ${scenario.patients.toLocaleString('en-US')} patients...`);
    const { stdout, wall } = await timed(ref!.binary, [String(scenario.patients), String(scenario.seed)]);
    const doc = JSON.parse(stdout) as { seconds: number; policies: { cumulative: number[] }[] };
    return { seconds: doc.seconds, wholeProcessSeconds: wall, cumulative: doc.policies.map((p) => p.cumulative) };
  };
  const workers = async (w: number) => {
    note(`bench: ${scenario.patients.toLocaleString('en-US')} patients with ${w} worker(s)...`);
    // A fresh process per measurement: peak memory, JIT state and whole-process time are its own.
    const childArgs = [...process.execArgv, childScript(), args.scenario, String(scenario.patients), String(w), '1'];
    const { stdout, wall } = await timed(process.execPath, childArgs);
    return { ...(JSON.parse(stdout) as WorkerMeasurement), wholeProcessSeconds: [wall] };
  };
  const doc = await benchDocument({
    scenario, scenarioFile: args.scenario, repeat: args.repeat, machine: machine(), baseline,
    ...(ref ? { reference: { source: 'bench/reference/canonical.c', compiler: ref.compiler } } : {}),
  }, workerCounts, { reference, workers });
  io.out(args.json ? JSON.stringify(doc, null, 2) : formatBench(doc));
  return doc.baseline?.regressed ? 3 : 0;
}

function formatBench(doc: BenchDocument): string {
  const lines = [
    `jaksim ${doc.engineVersion} (${doc.gitCommit?.slice(0, 10) ?? 'no git'}), node ${doc.node}, ${doc.cpuCount} x ${doc.cpuModel}`,
    `${doc.scenario}: ${doc.patients.toLocaleString('en-US')} patients, ${doc.repeat} round(s) in alternation, each measurement a fresh process`,
    '',
    'in engine (after a warm-up):',
    'workers  median patients/s  min        max        median s  peak RSS MiB  efficiency  x C',
  ];
  const ratio = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  for (const r of doc.results) {
    lines.push([
      String(r.workers).padEnd(7),
      Math.round(r.medianPatientsPerSecond).toLocaleString('en-US').padStart(17),
      Math.round(r.minPatientsPerSecond).toLocaleString('en-US').padStart(10),
      Math.round(r.maxPatientsPerSecond).toLocaleString('en-US').padStart(10),
      r.medianSeconds.toFixed(3).padStart(14),
      r.peakRssMiB.toFixed(0).padStart(13),
      (r.parallelEfficiency === null ? '-' : r.parallelEfficiency.toFixed(2)).padStart(11),
      ratio(r.ratioToReference?.inEngine).padStart(4),
    ].join('  '));
  }
  lines.push('', 'whole process (spawn to exit):', 'workers  median patients/s  median s  efficiency  x C');
  for (const r of doc.results) {
    lines.push([
      String(r.workers).padEnd(7),
      Math.round(r.medianWholeProcessPatientsPerSecond ?? NaN).toLocaleString('en-US').padStart(17),
      median(r.wholeProcessSeconds ?? []).toFixed(3).padStart(8),
      ratio(r.wholeProcessParallelEfficiency ?? undefined).padStart(10),
      ratio(r.ratioToReference?.wholeProcess).padStart(4),
    ].join('  '));
  }
  const c = doc.reference;
  if (c) {
    lines.push('', `C reference (${c.source}, ${c.compiler}): ${Math.round(c.medianPatientsPerSecond).toLocaleString('en-US')} patients/s`
      + ` own timing, ${Math.round(c.medianWholeProcessPatientsPerSecond).toLocaleString('en-US')} whole process;`
      + ` curves ${c.curvesAgree ? 'agree' : 'DISAGREE'} with jaksim's (max |z| ${c.curvesMaxAbsZ.toFixed(2)}, bound 4.5)`);
  }
  if (doc.baseline) {
    lines.push('', `baseline ${doc.baseline.file} (fail when median falls by more than ${doc.baseline.maxRegressionPct}%):`);
    for (const c of doc.baseline.comparisons) {
      lines.push(`  ${c.workers} worker(s): ${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%${c.regressed ? '  REGRESSION' : ''}`);
    }
  }
  return lines.join('\n');
}
