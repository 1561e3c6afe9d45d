// `jaksim bench`: each worker count measured in a fresh child process (clean peak memory), one JSON document.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BENCH_CHILD_ENV, benchDocument, measureWorkers, type ReferenceRun } from '../app/bench.js';
import {
  SUITE_CASES, bencherMetricFormat, compareSuites, githubActionBenchmark, spreadOf, suiteDocument, type SuiteDocument, type SuiteFigure,
} from '../app/benchSuite.js';
import { writeFolderAtomic } from '../io/atomic.js';
import { resolveScenario } from '../app/run.js';
import { withEngine } from '../engine/pool.js';
import { readBenchDocument, readSuiteDocument, type BenchDocument, type BenchMachine, type WorkerMeasurement } from '../io/benchDocument.js';
import { UserError } from '../io/errors.js';
import { readInputFile } from '../io/inputFile.js';
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
  suite: boolean;
  out?: string;
  child?: number;
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

/** This command's entry script (bin.ts under tsx, bin.js compiled): what the suite's commands run. */
const entryScript = (): string => fileURLToPath(new URL(`./bin.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

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
  const hash = createHash('sha256').update(readInputFile(REFERENCE_SOURCE, { expected: 'the C reference source', maxBytes: 1 << 20 })).digest('hex').slice(0, 16);
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
async function timed(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; wall: number }> {
  const t0 = performance.now();
  const { stdout } = await exec(file, args, { maxBuffer: 1 << 24, ...(env ? { env } : {}) });
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
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
    const { curvesSha256, ...m } = await withEngine(args.child, (engine) => measureWorkers(scenario, engine, args.repeat, cpu));
    io.out(JSON.stringify({ ...m, peakRssMiB: process.resourceUsage().maxRSS / 1024, curvesSha256 }));
    return 0;
  }
  const workerCounts = parseIntegerList('workers', args.workers, 1, MAX_WORKERS);
  if (args.suite) return suiteCommand(args, workerCounts, cli);
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
    const doc = JSON.parse(stdout) as { seconds: number; cpuSeconds: number; policies: { cumulative: number[] }[] };
    return { seconds: doc.seconds, cpuSeconds: doc.cpuSeconds, wholeProcessSeconds: wall, cumulative: doc.policies.map((p) => p.cumulative) };
  };
  const referenceTogether = async (w: number): Promise<number> => {
    const each = Math.ceil(scenario.patients / w);
    note(`bench: C reference, ${w} processes together, ${each.toLocaleString('en-US')} patients each...`);
    // Each process its own seed, so that no two simulate the same patients.
    const runs = await Promise.all(Array.from({ length: w }, (_, i) => timed(ref!.binary, [String(each), String(scenario.seed + i)])));
    return Math.max(...runs.map((r) => (JSON.parse(r.stdout) as { seconds: number }).seconds));
  };
  const workers = async (w: number) => {
    note(`bench: ${scenario.patients.toLocaleString('en-US')} patients with ${w} worker(s)...`);
    // A fresh process per measurement: peak memory, JIT state and whole-process time are its own.
    const parameters = JSON.stringify({ scenario: args.scenario, patients: scenario.patients, workers: w, repeat: 1 });
    const { stdout, wall } = await timed(process.execPath, [...process.execArgv, childScript()], { ...process.env, [BENCH_CHILD_ENV]: parameters });
    return { ...(JSON.parse(stdout) as WorkerMeasurement), wholeProcessSeconds: [wall] };
  };
  const doc = await benchDocument({
    scenario, scenarioFile: args.scenario, repeat: args.repeat, machine: machine(), baseline,
    ...(ref ? { reference: { source: 'bench/reference/canonical.c', compiler: ref.compiler } } : {}),
  }, workerCounts, { reference, referenceTogether, workers });
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
  lines.push('', 'per CPU-second of the measuring process (all threads; steadiest on a loaded machine):', 'workers  median patients/CPU-s  x C');
  for (const r of doc.results) {
    lines.push([String(r.workers).padEnd(7), Math.round(r.medianPatientsPerCpuSecond ?? NaN).toLocaleString('en-US').padStart(21), ratio(r.ratioToReference?.perCpuSecond).padStart(4)].join('  '));
  }
  const c = doc.reference;
  if (c) {
    lines.push('', `C reference (${c.source}, ${c.compiler}): ${Math.round(c.medianPatientsPerSecond).toLocaleString('en-US')} patients/s`
      + ` own timing, ${Math.round(c.medianWholeProcessPatientsPerSecond).toLocaleString('en-US')} whole process,`
      + ` ${Math.round(c.medianPatientsPerCpuSecond).toLocaleString('en-US')} per CPU-second;`
      + ` curves ${c.curvesAgree ? 'agree' : 'DISAGREE'} with jaksim's (max |z| ${c.curvesMaxAbsZ.toFixed(2)}, bound 4.5)`);
    for (const p of c.parallel ?? []) {
      const j = doc.results.find((r) => r.workers === p.workers);
      lines.push(`C reference, ${p.workers} processes together (the machine's parallel ceiling): efficiency ${p.parallelEfficiency.toFixed(2)};`
        + ` jaksim's ${j?.parallelEfficiency?.toFixed(2) ?? '-'} in engine, ${j?.efficiencyOverReference?.toFixed(2) ?? '-'} of the ceiling`);
    }
  }
  if (doc.baseline) {
    lines.push('', `baseline ${doc.baseline.file} (fail when median falls by more than ${doc.baseline.maxRegressionPct}%):`);
    for (const c of doc.baseline.comparisons) {
      lines.push(`  ${c.workers} worker(s): ${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%${c.regressed ? '  REGRESSION' : ''}`);
    }
  }
  return lines.join('\n');
}

/** `bench --suite`: every case with every worker count, `repeat` rounds in alternation, whole commands timed. */
async function suiteCommand(args: BenchArgs, workerCounts: number[], cli: CliContext): Promise<number> {
  const { io } = cli;
  const baseline = args.baseline === undefined ? undefined : readSuiteDocument<SuiteDocument>(args.baseline);
  const scratch = mkdtempSync(join(tmpdir(), 'jaksim-suite-'));
  const seconds = new Map<string, number[]>();
  const commands = new Map<string, string[]>();
  try {
    for (let r = 0; r < args.repeat; r++) {
      for (const c of SUITE_CASES) {
        for (const w of workerCounts) {
          const name = `${c.name} (${w} worker${w === 1 ? '' : 's'})`;
          // A new folder each round: predict writes its --out whole and never over an existing one.
          const command = [...c.args, '--workers', String(w), '--out', join(scratch, `${c.name}-${w}-${r + 1}`)];
          if (!args.json) io.err(`bench --suite: round ${r + 1} of ${args.repeat}: ${name}...`);
          const { wall } = await timed(process.execPath, [...process.execArgv, entryScript(), ...command]);
          seconds.set(name, [...(seconds.get(name) ?? []), wall]);
          commands.set(name, ['jaksim', ...c.args, '--workers', String(w)]);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const figures: SuiteFigure[] = [...seconds].map(([name, xs]) => ({
    name, case: name.split(' ')[0], workers: Number(/\((\d+) worker/.exec(name)![1]), command: commands.get(name)!, seconds: xs, ...spreadOf(xs),
  }));
  const doc = suiteDocument(machine(), args.repeat, figures);
  if (baseline) doc.baseline = compareSuites(doc, baseline, args.baseline!);
  if (args.out) {
    writeFolderAtomic(args.out, {
      'bench-suite.json': `${JSON.stringify(doc, null, 2)}\n`,
      'github-action-benchmark.json': `${JSON.stringify(githubActionBenchmark(doc), null, 2)}\n`,
      'bencher.json': `${JSON.stringify(bencherMetricFormat(doc), null, 2)}\n`,
    });
  }
  io.out(args.json ? JSON.stringify(doc, null, 2) : formatSuite(doc));
  return doc.baseline?.regressed ? 3 : 0;
}

function formatSuite(doc: SuiteDocument): string {
  const lines = [
    `jaksim ${doc.engineVersion} (${doc.gitCommit?.slice(0, 10) ?? 'no git'}), node ${doc.node}, ${doc.cpuCount} x ${doc.cpuModel}`,
    `bench --suite: ${doc.repeat} round(s) in alternation, whole commands (spawn to exit), wall seconds`,
    '',
    'figure                 median   min      max      MAD',
  ];
  for (const f of doc.figures) {
    lines.push([f.name.padEnd(21), ...[f.median, f.min, f.max, f.mad].map((x) => x.toFixed(3).padStart(7))].join('  '));
  }
  if (doc.parallelEfficiency.length > 0) {
    lines.push('', `parallel efficiency, 2 workers: ${doc.parallelEfficiency.map((e) => `${e.case} ${e.efficiency.toFixed(2)}`).join(', ')}`);
  }
  if (doc.baseline) {
    lines.push('', `baseline ${doc.baseline.file} (${doc.baseline.rule}):`);
    for (const c of doc.baseline.comparisons) {
      lines.push(`  ${c.name}: ${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}% (bound ${c.bound.toFixed(3)} s)${c.regressed ? '  REGRESSION' : ''}`);
    }
  }
  return lines.join('\n');
}
