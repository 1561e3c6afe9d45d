// The bench result document (`jaksim bench --json`) and the reader of an earlier one given as --baseline.
import { z } from 'zod';
import { UserError } from './errors.js';
import { decodeUtf8, readInputFile } from './inputFile.js';
import { parseJson } from './jsonText.js';
import { schemaError } from './scenario.js';

export interface WorkerMeasurement {
  workers: number;
  /** In-engine time of each timed run, seconds (the pool started and warmed up before timing). */
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
  /**
   * Whole-process figures: wall time of each measuring process, from its spawn to its exit (Node start-up,
   * loading, pool start, the warm-up and the timed run: about what a user of `jaksim run` waits, less the
   * writing of results), and the patients of the timed run per such second.
   */
  wholeProcessSeconds?: number[];
  medianWholeProcessPatientsPerSecond?: number;
  /**
   * CPU seconds of the measuring process during each timed run (all its threads: the workers, the main
   * thread, the JIT and the GC), and the patients per such second: far less inflated than wall time by other
   * processes on the machine, so the steadiest figure on a loaded one.
   */
  cpuSeconds?: number[];
  medianPatientsPerCpuSecond?: number;
  /** Per policy, patients who responded by each visit (cumulative counts, from the timed run). */
  cumulativeCounts?: number[][];
}

/** The C reference (bench/reference/canonical.c) measured in the same rounds, in alternation with jaksim. */
export interface ReferenceMeasurement {
  source: string;
  compiler: string;
  /** Its own timing of the simulation (CLOCK_MONOTONIC), seconds, per round. */
  seconds: number[];
  /** Its CPU seconds of the simulation (clock()), per round. */
  cpuSeconds: number[];
  medianPatientsPerCpuSecond: number;
  /** Wall time of the whole C process, seconds, per round. */
  wholeProcessSeconds: number[];
  medianPatientsPerSecond: number;
  medianWholeProcessPatientsPerSecond: number;
  /**
   * Its curves against jaksim's (independent generators, so equal within Monte Carlo error only): the
   * largest |z| over policies and visits of the difference of the two cumulative response rates, z =
   * (p1 - p2) / sqrt(p1 (1 - p1) / n + p2 (1 - p2) / n); agreement when below 4.5.
   */
  curvesMaxAbsZ: number;
  curvesAgree: boolean;
  /**
   * The machine's own parallel ceiling: per worker count w > 1, w C processes started together, each
   * simulating patients / w patients (the same work as one run split over w workers), in the same rounds.
   * `seconds`: the slowest process's own timing per round; `parallelEfficiency`: its median patients/s
   * over w x the one-process median. Two independent processes that share nothing fall short of 1 when
   * the cores are not fully the machine's (a shared host): jaksim's efficiency is bounded by it.
   */
  parallel?: { workers: number; seconds: number[]; medianPatientsPerSecond: number; parallelEfficiency: number }[];
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
  results: (WorkerMeasurement & {
    parallelEfficiency: number | null;
    /** Whole-process parallel efficiency: whole-process patients/s over workers x that of 1 worker. */
    wholeProcessParallelEfficiency?: number | null;
    /** In-engine parallel efficiency over the C reference's own at this worker count (reference.parallel). */
    efficiencyOverReference?: number | null;
    /** jaksim's patients/s over C's: in-engine over C's own timing, whole-process over C's whole process. */
    ratioToReference?: { inEngine: number; wholeProcess: number; perCpuSecond: number } | null;
  })[];
  reference?: ReferenceMeasurement | null;
  baseline?: {
    file: string;
    maxRegressionPct: number;
    comparisons: { workers: number; baselineMedian: number; currentMedian: number; changePct: number; regressed: boolean }[];
    regressed: boolean;
  };
}

/** Largest baseline document read (bytes). */
const BENCH_MAX_BYTES = 16 * 1024 * 1024;

/** What a comparison needs from a baseline: per worker count, a positive finite median (the rest is kept as it is). */
const baselineSchema = z.object({
  benchmark: z.literal('jaksim'),
  results: z.array(z.object({
    workers: z.number().int().min(1).max(1024),
    medianPatientsPerSecond: z.number().gt(0),
  })).min(1),
});

/**
 * Read an earlier `jaksim bench --json` document: a regular file, UTF-8 JSON without duplicate keys, with
 * at least one result and a positive finite median for each (else the gate could never fail).
 * @throws UserError naming the file and the field
 */
export function readBenchDocument(file: string): BenchDocument {
  const { doc, parsed } = readTaggedDocument(file, 'a jaksim bench JSON document', 'jaksim', 'results', baselineSchema);
  const workers = parsed.results.map((r) => r.workers);
  const twice = workers.find((w, i) => workers.indexOf(w) !== i);
  if (twice !== undefined) throw new UserError(`${file}: results: expected one result per worker count, got ${twice} worker(s) twice`);
  return doc as BenchDocument;
}

/**
 * A bench JSON document of kind `tag` (its `benchmark` field), read as the one input reader reads files and
 * checked against `schema`: the document as read and its parsed form.
 * @throws UserError naming the file and the field
 */
function readTaggedDocument<S extends z.ZodTypeAny>(
  file: string, expected: string, tag: string, listField: string, schema: S,
): { doc: unknown; parsed: z.infer<S> } {
  const json = parseJson(decodeUtf8(readInputFile(file, { expected, maxBytes: BENCH_MAX_BYTES }), file));
  if (!json.ok) throw new UserError(`${file}: expected ${expected}, got ${json.reason}`);
  if ((json.doc as { benchmark?: unknown } | null)?.benchmark !== tag) {
    throw new UserError(`${file}: expected ${expected} (benchmark: "${tag}", ${listField}: [...])`);
  }
  const parsed = schema.safeParse(json.doc);
  if (!parsed.success) throw schemaError(parsed.error.issues[0], json.doc, file);
  return { doc: json.doc, parsed: parsed.data };
}

/** What a suite comparison needs from a baseline suite document: named figures with a median and a MAD. */
const suiteBaselineSchema = z.object({
  benchmark: z.literal('jaksim-suite'),
  figures: z.array(z.object({ name: z.string(), median: z.number().gt(0), mad: z.number().min(0) })).min(1),
});

/**
 * Read an earlier `jaksim bench --suite --json` document (as readBenchDocument does a bench document).
 * @throws UserError naming the file and the field
 */
export function readSuiteDocument<T>(file: string): T {
  return readTaggedDocument(file, 'a jaksim bench --suite JSON document', 'jaksim-suite', 'figures', suiteBaselineSchema).doc as T;
}
