// The bench result document (`jaksim bench --json`) and the reader of an earlier one given as --baseline.
import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';

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

/** Where the bench ran: recorded with every result. */
export interface BenchMachine {
  gitCommit: string | null;
  node: string;
  cpuModel: string;
  cpuCount: number;
}

export interface BenchDocument extends BenchMachine {
  benchmark: 'jaksim';
  schemaVersion: 1;
  engineVersion: string;
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

/** Read an earlier `jaksim bench --json` document. @throws UserError naming the file. */
export function readBenchDocument(file: string): BenchDocument {
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
