// The bench use case: repeated timed runs of one scenario per worker count, and the document comparing them.
import type { Engine } from '../engine/pool.js';
import { summarizeRun } from '../engine/summarize.js';
import type { BenchDocument, BenchMachine, WorkerMeasurement } from '../io/benchDocument.js';
import { sha256 } from '../io/hash.js';
import { curvesCsv } from '../io/results.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { median } from '../stats/quantiles.js';
import { ENGINE_VERSION } from '../version.js';

/** Run the scenario once to warm up, then `repeat` timed runs on the engine (of engine.workers workers). */
export async function measureWorkers(s: Scenario, engine: Engine, repeat: number): Promise<Omit<WorkerMeasurement, 'peakRssMiB'>> {
  const compiled = compileScenario(s);
  const seconds: number[] = [];
  // Warm-up: JIT and worker start-up are not what we track.
  await engine.run({ ...compiled, patients: Math.min(compiled.patients, 200_000) });
  let acc: Float64Array = new Float64Array(0);
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    acc = await engine.run(compiled);
    seconds.push((performance.now() - t0) / 1000);
  }
  const result = summarizeRun(s, compiled, acc, { workers: engine.workers, engineVersion: ENGINE_VERSION });
  const pps = seconds.map((t) => s.patients / t);
  return {
    workers: engine.workers,
    seconds,
    patientsPerSecond: pps,
    medianPatientsPerSecond: median(pps),
    minPatientsPerSecond: Math.min(...pps),
    maxPatientsPerSecond: Math.max(...pps),
    medianSeconds: median(seconds),
    curvesSha256: sha256(curvesCsv(result)),
  };
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

export interface BenchInputs {
  scenario: Scenario;
  scenarioFile: string;
  repeat: number;
  machine: BenchMachine;
  baseline?: { file: string; document: BenchDocument; maxRegressionPct: number };
}

/**
 * The bench document of measurements taken (each worker count in its own
 * process, for a clean peak memory: the caller's `measure`).
 * @throws Error when the curves differ between worker counts (determinism is broken).
 */
export async function benchDocument(inputs: BenchInputs, workerCounts: number[], measure: (workers: number) => Promise<WorkerMeasurement>): Promise<BenchDocument> {
  const measurements: WorkerMeasurement[] = [];
  for (const w of workerCounts) measurements.push(await measure(w));
  const one = measurements.find((m) => m.workers === 1);
  const doc: BenchDocument = {
    benchmark: 'jaksim',
    schemaVersion: 1,
    engineVersion: ENGINE_VERSION,
    ...inputs.machine,
    scenario: inputs.scenario.name,
    scenarioFile: inputs.scenarioFile,
    patients: inputs.scenario.patients,
    repeat: inputs.repeat,
    results: measurements.map((m) => ({
      ...m,
      parallelEfficiency: one ? m.medianPatientsPerSecond / (m.workers * one.medianPatientsPerSecond) : null,
    })),
  };
  if (inputs.baseline) doc.baseline = compareWithBaseline(doc, inputs.baseline.document, inputs.baseline.file, inputs.baseline.maxRegressionPct);
  if (new Set(doc.results.map((r) => r.curvesSha256)).size > 1) {
    throw new Error('benchmark curves differ between worker counts: determinism is broken');
  }
  return doc;
}
