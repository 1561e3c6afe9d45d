// Benchmark measurement: repeated runs of one scenario with one worker count, after a warm-up.
import { createHash } from 'node:crypto';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { curvesCsv } from '../io/results.js';
import { ENGINE_VERSION } from '../version.js';
import { Engine } from './pool.js';
import { summarizeRun } from './summarize.js';

export interface WorkerMeasurement {
  workers: number;
  /** Wall time of each timed run, seconds (the pool is started before timing). */
  seconds: number[];
  patientsPerSecond: number[];
  medianPatientsPerSecond: number;
  minPatientsPerSecond: number;
  maxPatientsPerSecond: number;
  medianSeconds: number;
  /** Peak resident memory of the measuring process, MiB. */
  peakRssMiB: number;
  /** SHA-256 of the run's curves.csv: equal across worker counts and to a normal run with the same seed. */
  curvesSha256: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Run the scenario once to warm up, then `repeat` timed runs on one engine. */
export async function measureWorkers(s: Scenario, workers: number, repeat: number): Promise<WorkerMeasurement> {
  const compiled = compileScenario(s);
  const engine = new Engine({ workers });
  const seconds: number[] = [];
  let acc: Float64Array = new Float64Array(0);
  try {
    // Warm-up: JIT and worker start-up are not what we track.
    await engine.run({ ...compiled, patients: Math.min(compiled.patients, 200_000) });
    for (let r = 0; r < repeat; r++) {
      const t0 = process.hrtime.bigint();
      acc = await engine.run(compiled);
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  } finally {
    await engine.close();
  }
  const result = summarizeRun(s, compiled, acc, { workers, engineVersion: ENGINE_VERSION });
  const pps = seconds.map((t) => s.patients / t);
  return {
    workers,
    seconds,
    patientsPerSecond: pps,
    medianPatientsPerSecond: median(pps),
    minPatientsPerSecond: Math.min(...pps),
    maxPatientsPerSecond: Math.max(...pps),
    medianSeconds: median(seconds),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    curvesSha256: createHash('sha256').update(curvesCsv(result)).digest('hex'),
  };
}
