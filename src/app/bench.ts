// The bench use case: repeated timed runs of one scenario per worker count, and the document comparing them.
import type { Engine } from '../engine/pool.js';
import { summarizeRun } from '../engine/summarize.js';
import type { BenchDocument, BenchMachine, ReferenceMeasurement, WorkerMeasurement } from '../io/benchDocument.js';
import { sha256 } from '../io/hash.js';
import { curvesCsv } from '../io/curveRows.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { median } from '../stats/quantiles.js';
import { ENGINE_VERSION } from '../version.js';

/** The environment variable that carries a measuring process's parameters (cli/benchChild.ts). */
export const BENCH_CHILD_ENV = 'JAKSIM_BENCH_CHILD';

/** Patients of the warm-up run per worker: enough for V8 to optimise the per-patient code and for the pool to be up. */
const WARM_UP_PATIENTS_PER_WORKER = 16_384;

/**
 * Run a short warm-up, then `repeat` timed runs on the engine (of engine.workers workers); `cpuSeconds`, the
 * process's CPU clock (the caller's: use cases do not touch process.*), times each run's CPU too.
 */
export async function measureWorkers(
  s: Scenario, engine: Engine, repeat: number, cpuSeconds: () => number = () => NaN,
): Promise<Omit<WorkerMeasurement, 'peakRssMiB'>> {
  const compiled = compileScenario(s);
  const seconds: number[] = [];
  // Warm-up: JIT and worker start-up are what the whole-process figure adds, not the in-engine one.
  await engine.run({ ...compiled, patients: Math.min(compiled.patients, WARM_UP_PATIENTS_PER_WORKER * engine.workers) });
  let acc: Float64Array = new Float64Array(0);
  const cpu: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    acc = await engine.run(compiled);
    seconds.push((performance.now() - t0) / 1000);
    cpu.push(cpuSeconds() - c0);
  }
  const result = summarizeRun(s, compiled, acc, { workers: engine.workers, engineVersion: ENGINE_VERSION });
  return {
    workers: engine.workers,
    ...speedOf(seconds, s.patients),
    curvesSha256: sha256(curvesCsv(result)),
    cpuSeconds: cpu,
    cumulativeCounts: cumulativeCounts(compiled, acc),
  };
}

/** Per policy, patients who responded by each visit (running sums of the first-response counts). */
export function cumulativeCounts(c: CompiledScenario, acc: Float64Array): number[][] {
  return Array.from({ length: c.policyCount }, (_, p) => {
    const at = p * c.layout.policyStride + c.layout.firstResponse;
    let sum = 0;
    return Array.from({ length: c.visitCount }, (_, v) => (sum += acc[at + v]));
  });
}

/**
 * The largest |z| over policies and visits between two sets of cumulative response counts of n1 and n2
 * patients (independent samples): z = (p1 - p2) / sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2); 0 where both are 0 or 1.
 */
export function curvesMaxAbsZ(a: number[][], n1: number, b: number[][], n2: number): number {
  let worst = 0;
  a.forEach((row, p) => row.forEach((x, v) => {
    const p1 = x / n1;
    const p2 = b[p][v] / n2;
    const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
    const z = se > 0 ? Math.abs(p1 - p2) / se : p1 === p2 ? 0 : Infinity;
    if (z > worst) worst = z;
  }));
  return worst;
}

/** One round's C reference run: its own seconds, its whole-process wall seconds and its cumulative counts. */
export interface ReferenceRun { seconds: number; cpuSeconds: number; wholeProcessSeconds: number; cumulative: number[][] }

/** |z| below which the C reference's curves agree with jaksim's (72 correlated comparisons: a 4.5 SE bound). */
export const REFERENCE_MAX_Z = 4.5;

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

export interface BenchInputs {
  scenario: Scenario;
  scenarioFile: string;
  repeat: number;
  machine: BenchMachine;
  baseline?: { file: string; document: BenchDocument; maxRegressionPct: number };
  /** The C reference's source and compiler, when it is measured (gcc found, canonical scenario). */
  reference?: { source: string; compiler: string };
}

/** What one round measures: the C reference (when there is one), then each worker count, in this order. */
export interface BenchRound {
  reference: () => Promise<ReferenceRun>;
  /** `workers` C reference processes started together, `patients / workers` each: the slowest one's own seconds. */
  referenceTogether?: (workers: number) => Promise<number>;
  /** One measuring process of `workers` workers: a warm-up and one timed run; with its whole-process seconds. */
  workers: (workers: number) => Promise<WorkerMeasurement & { wholeProcessSeconds: number[] }>;
}

/**
 * The bench document of measurements taken in `inputs.repeat` rounds, each round running the C reference
 * (if any) and then every worker count once, so that drift in the machine's load hits all of them alike
 * (each measurement in a fresh process, for a clean peak memory and whole-process time).
 * @throws Error when the curves differ between worker counts (determinism is broken).
 */
export async function benchDocument(inputs: BenchInputs, workerCounts: number[], round: BenchRound): Promise<BenchDocument> {
  const runs = new Map<number, (WorkerMeasurement & { wholeProcessSeconds: number[] })[]>(workerCounts.map((w) => [w, []]));
  const refRuns: ReferenceRun[] = [];
  const together = new Map<number, number[]>(workerCounts.filter((w) => w > 1).map((w) => [w, []]));
  for (let r = 0; r < inputs.repeat; r++) {
    if (inputs.reference) {
      refRuns.push(await round.reference());
      if (round.referenceTogether) for (const [w, list] of together) list.push(await round.referenceTogether(w));
    }
    for (const w of workerCounts) runs.get(w)!.push(await round.workers(w));
  }
  const patients = inputs.scenario.patients;
  const measurements = workerCounts.map((w): WorkerMeasurement => {
    const list = runs.get(w)!;
    const seconds = list.flatMap((m) => m.seconds);
    const whole = list.flatMap((m) => m.wholeProcessSeconds);
    return {
      workers: w,
      ...speedOf(seconds, patients),
      peakRssMiB: Math.max(...list.map((m) => m.peakRssMiB)),
      curvesSha256: list[0].curvesSha256,
      wholeProcessSeconds: whole,
      medianWholeProcessPatientsPerSecond: median(whole.map((t) => patients / t)),
      cpuSeconds: list.flatMap((m) => m.cpuSeconds ?? []),
      medianPatientsPerCpuSecond: median(list.flatMap((m) => m.cpuSeconds ?? []).map((t) => patients / t)),
      cumulativeCounts: list[0].cumulativeCounts,
    };
  });
  const reference = inputs.reference && refRuns.length > 0 ? referenceMeasurement(inputs.reference, refRuns, patients, measurements[0]) : null;
  if (reference && round.referenceTogether) {
    reference.parallel = [...together].map(([w, seconds]) => {
      const pps = median(seconds.map((t) => patients / t));
      return { workers: w, seconds, medianPatientsPerSecond: pps, parallelEfficiency: pps / (w * reference.medianPatientsPerSecond) };
    });
  }
  const one = measurements.find((m) => m.workers === 1);
  const doc: BenchDocument = {
    benchmark: 'jaksim',
    schemaVersion: 1,
    engineVersion: ENGINE_VERSION,
    ...inputs.machine,
    scenario: inputs.scenario.name,
    scenarioFile: inputs.scenarioFile,
    patients,
    repeat: inputs.repeat,
    results: measurements.map((m) => ({
      ...m,
      parallelEfficiency: one ? m.medianPatientsPerSecond / (m.workers * one.medianPatientsPerSecond) : null,
      efficiencyOverReference: efficiencyOverReference(m, one, reference),
      wholeProcessParallelEfficiency: one
        ? m.medianWholeProcessPatientsPerSecond! / (m.workers * one.medianWholeProcessPatientsPerSecond!) : null,
      ratioToReference: reference ? {
        inEngine: m.medianPatientsPerSecond / reference.medianPatientsPerSecond,
        wholeProcess: m.medianWholeProcessPatientsPerSecond! / reference.medianWholeProcessPatientsPerSecond,
        perCpuSecond: m.medianPatientsPerCpuSecond! / reference.medianPatientsPerCpuSecond,
      } : null,
    })),
    reference,
  };
  if (inputs.baseline) doc.baseline = compareWithBaseline(doc, inputs.baseline.document, inputs.baseline.file, inputs.baseline.maxRegressionPct);
  if (new Set(doc.results.map((r) => r.curvesSha256)).size > 1) {
    throw new Error('benchmark curves differ between worker counts: determinism is broken');
  }
  return doc;
}

/** jaksim's in-engine efficiency at m's worker count over the C reference's (null without both). */
function efficiencyOverReference(m: WorkerMeasurement, one: WorkerMeasurement | undefined, reference: ReferenceMeasurement | null): number | null {
  const c = reference?.parallel?.find((p) => p.workers === m.workers);
  if (!one || !c) return null;
  return m.medianPatientsPerSecond / (m.workers * one.medianPatientsPerSecond) / c.parallelEfficiency;
}

function referenceMeasurement(
  ref: { source: string; compiler: string }, runs: ReferenceRun[], patients: number, jaksim: WorkerMeasurement,
): ReferenceMeasurement {
  const z = jaksim.cumulativeCounts ? curvesMaxAbsZ(runs[0].cumulative, patients, jaksim.cumulativeCounts, patients) : NaN;
  return {
    ...ref,
    seconds: runs.map((r) => r.seconds),
    cpuSeconds: runs.map((r) => r.cpuSeconds),
    medianPatientsPerCpuSecond: median(runs.map((r) => patients / r.cpuSeconds)),
    wholeProcessSeconds: runs.map((r) => r.wholeProcessSeconds),
    medianPatientsPerSecond: median(runs.map((r) => patients / r.seconds)),
    medianWholeProcessPatientsPerSecond: median(runs.map((r) => patients / r.wholeProcessSeconds)),
    curvesMaxAbsZ: z,
    curvesAgree: z < REFERENCE_MAX_Z,
  };
}

/** The timed rounds of one worker count as patients per second: each, median, min, max. */
function speedOf(seconds: number[], patients: number) {
  const pps = seconds.map((t) => patients / t);
  return {
    seconds,
    patientsPerSecond: pps,
    medianPatientsPerSecond: median(pps),
    minPatientsPerSecond: Math.min(...pps),
    maxPatientsPerSecond: Math.max(...pps),
    medianSeconds: median(seconds),
  };
}
