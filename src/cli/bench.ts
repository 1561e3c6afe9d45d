// `jaksim bench`: each worker count measured in a fresh child process (clean peak memory), one JSON document.
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { measureWorkers, type WorkerMeasurement } from '../engine/bench.js';
import { UserError } from '../io/errors.js';
import { loadScenario } from '../io/scenario.js';
import { ENGINE_VERSION } from '../version.js';

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

export interface BenchDocument {
  benchmark: 'jaksim';
  schemaVersion: 1;
  engineVersion: string;
  gitCommit: string | null;
  node: string;
  cpuModel: string;
  cpuCount: number;
  scenario: string;
  scenarioFile: string;
  patients: number;
  repeat: number;
  results: (WorkerMeasurement & { parallelEfficiency: number | null })[];
  baseline?: {
    file: string;
    maxRegressionPct: number;
    comparisons: { workers: number; baselineMedian: number; currentMedian: number; changePct: number; regressed: boolean }[];
    regressed: boolean;
  };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export function parseWorkerList(text: string): number[] {
  const list = text.split(',').map((w) => Number(w.trim()));
  if (list.length === 0 || list.some((w) => !Number.isInteger(w) || w < 1 || w > 64)) {
    throw new UserError(`--workers: expected a comma-separated list of whole numbers from 1 to 64, got "${text}"`);
  }
  return list;
}

/** Compare with an earlier document: a worker count regressed when its median fell by more than maxPct. */
export function compareWithBaseline(doc: BenchDocument, baseline: BenchDocument, file: string, maxPct: number): NonNullable<BenchDocument['baseline']> {
  const comparisons = doc.results.flatMap((r) => {
    const b = baseline.results.find((x) => x.workers === r.workers);
    if (!b) return [];
    const changePct = (100 * (r.medianPatientsPerSecond - b.medianPatientsPerSecond)) / b.medianPatientsPerSecond;
    return [{ workers: r.workers, baselineMedian: b.medianPatientsPerSecond, currentMedian: r.medianPatientsPerSecond, changePct, regressed: changePct < -maxPct }];
  });
  return { file, maxRegressionPct: maxPct, comparisons, regressed: comparisons.some((c) => c.regressed) };
}

function readBaseline(file: string): BenchDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: expected a jaksim bench JSON document, got ${(err as Error).message}`);
  }
  const d = doc as Partial<BenchDocument>;
  if (d?.benchmark !== 'jaksim' || !Array.isArray(d.results)) {
    throw new UserError(`${file}: expected a jaksim bench JSON document (benchmark: "jaksim", results: [...])`);
  }
  return d as BenchDocument;
}

/** Returns the exit code: 0, or 3 when a baseline comparison shows a regression. */
export async function benchCommand(args: BenchArgs, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const scenario = loadScenario(args.scenario);
  if (args.patients !== undefined) scenario.patients = args.patients;
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 100) {
    throw new UserError(`--repeat: expected a whole number from 1 to 100, got ${args.repeat}`);
  }
  if (args.child !== undefined) {
    out(JSON.stringify(await measureWorkers(scenario, args.child, args.repeat)));
    return 0;
  }
  const workerCounts = parseWorkerList(args.workers);
  const baseline = args.baseline === undefined ? undefined : readBaseline(args.baseline);
  const measurements: WorkerMeasurement[] = [];
  for (const w of workerCounts) {
    if (!args.json) err(`bench: ${scenario.patients.toLocaleString('en-US')} patients x ${args.repeat} with ${w} worker(s)...`);
    // A fresh process per worker count: peak memory and JIT state are its own.
    const childArgs = [...process.execArgv, process.argv[1], 'bench', '--scenario', args.scenario,
      '--patients', String(scenario.patients), '--repeat', String(args.repeat), '--child', String(w)];
    const { stdout } = await exec(process.execPath, childArgs, { maxBuffer: 1 << 24 });
    measurements.push(JSON.parse(stdout) as WorkerMeasurement);
  }
  const one = measurements.find((m) => m.workers === 1);
  const doc: BenchDocument = {
    benchmark: 'jaksim',
    schemaVersion: 1,
    engineVersion: ENGINE_VERSION,
    gitCommit: gitCommit(),
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    scenario: scenario.name,
    scenarioFile: args.scenario,
    patients: scenario.patients,
    repeat: args.repeat,
    results: measurements.map((m) => ({
      ...m,
      parallelEfficiency: one ? m.medianPatientsPerSecond / (m.workers * one.medianPatientsPerSecond) : null,
    })),
  };
  if (baseline) doc.baseline = compareWithBaseline(doc, baseline, args.baseline!, args.maxRegression);
  if (args.json) {
    out(JSON.stringify(doc, null, 2));
  } else {
    out(formatBench(doc));
  }
  if (new Set(doc.results.map((r) => r.curvesSha256)).size > 1) {
    throw new Error('benchmark curves differ between worker counts: determinism is broken');
  }
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
