// `jaksim predict --batch patients.csv` (issue 15 point 5): every patient of a CSV file predicted as `predict`
// predicts one (app/predict.ts: the same scenarios, population draws and summary), a few patients in flight on
// the engine's workers, written as one tidy predictions.csv. With --shard i/n only the patients k with
// k mod n = i - 1 are simulated and written as a partial result (io/partialFile.ts, one unit per patient);
// `jaksim merge` checks the shards and writes the same predictions.csv, byte for byte.
import { join } from 'node:path';
import type { Engine } from '../engine/pool.js';
import { BLOCK_SIZE } from '../engine/runBlock.js';
import { writeFileAtomic } from '../io/atomic.js';
import { csvDocument, type CsvValue } from '../io/csv.js';
import { UserError } from '../io/errors.js';
import { documentHash } from '../io/hash.js';
import { jsonChunks } from '../io/jsonStream.js';
import { checkOutputFolder } from '../io/outputCheck.js';
import { checkPartialSize, makePartial, type PartialResult } from '../io/partialFile.js';
import { validatePatient } from '../io/patientFacts.js';
import { loadPatientsCsv, type BatchPatient } from '../io/patientsCsv.js';
import { validateScenario } from '../io/scenario.js';
import { predictLayout } from '../model/predict.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION, engineFingerprint } from '../version.js';
import type { AppContext } from './context.js';
import { engineMismatch } from './engineCheck.js';
import { parameterScenarios, predictScenario, predictionSums, type PredictScenarios } from './predict.js';
import {
  planPrediction, responseLayout, responseSums, summarizePrediction, type PredictPlan, type PredictSettings,
} from './predictCore.js';
import type { Shard } from './shards.js';

/** The columns of predictions.csv (README "Batch predictions"). */
export const PREDICTION_COLUMNS = ['patient', 'now', 'option', 'month', 'rate', 'lo', 'hi', 'mcLo', 'mcHi', 'expectedMonthsToResponse', 'ess', 'refusal'] as const;

export const PREDICTIONS_FILE = 'predictions.csv';

export interface BatchInputs {
  /** The patients CSV file. */
  batch: string;
  scenario?: string;
  draws: number;
  sdObs: number;
  seed: number;
  parameterDraws?: number;
  /** Folder of predictions.csv, or of the shards' folder. */
  out: string;
  shard?: Shard;
}

/**
 * What a batch is, all of it stored in each shard's partial file so that a merge needs no input file: the
 * patients' validated facts, the scenarios run (one per parameter draw) and the settings.
 */
interface BatchDocument {
  kind: 'jaksim-predict-batch';
  patients: BatchPatient[];
  scenarios: Scenario[];
  parameterDrawsFile: string | null;
  settings: PredictSettings;
}

interface BatchPlan {
  base: Scenario;
  doc: BatchDocument;
  ps: PredictScenarios;
  plans: PredictPlan[];
  /** Numbers per patient: the response sums (no SALT histograms) of each parameter draw's run, options padded to the catalog. */
  perRun: number;
  unitLength: number;
  hash: string;
}

const label = (id: string) => `patient ${id}`;

function batchHash(base: Scenario, doc: BatchDocument): string {
  return documentHash({ base, batch: doc, engineVersion: ENGINE_VERSION, blockSize: BLOCK_SIZE });
}

/** A batch's plan from its document: every patient planned (the same checks as `predict`), before anything runs. */
function planOf(base: Scenario, doc: BatchDocument, ps: PredictScenarios): BatchPlan {
  const plans = doc.patients.map((p) => planPrediction(base, p.facts, doc.settings.sdObs, label(p.id)));
  const months = Math.floor(base.horizon + 1e-9);
  const perRun = responseLayout(months, base.catalog.length).length;
  return { base, doc, ps, plans, perRun, unitLength: perRun * ps.scenarios.length, hash: batchHash(base, doc) };
}

function planBatch(a: BatchInputs): BatchPlan {
  const base = predictScenario(a.scenario);
  const patients = loadPatientsCsv(a.batch, base.catalog.map((d) => d.id));
  const ps = parameterScenarios(base, a.scenario, a.parameterDraws);
  const settings = { draws: a.draws, sdObs: a.sdObs, seed: a.seed, parameterDraws: ps.parameterDraws };
  return planOf(base, { kind: 'jaksim-predict-batch', patients, scenarios: ps.scenarios, parameterDrawsFile: ps.drawsFile, settings }, ps);
}

/** Simulate the patients `wanted` (a few in flight, each on the whole pool): patient index -> its unit. */
async function simulatePatients(bp: BatchPlan, engine: Engine, wanted: number[], ctx: AppContext): Promise<Map<number, Float64Array>> {
  const units = new Map<number, Float64Array>();
  let next = 0;
  const run = async () => {
    while (next < wanted.length) {
      const i = wanted[next++];
      const plan = bp.plans[i];
      const accs = await predictionSums(bp.ps, plan, bp.doc.settings, engine);
      const unit = new Float64Array(bp.unitLength);
      const lay = predictLayout(plan.spec);
      accs.forEach((acc, k) => unit.set(responseSums(acc, lay, bp.base.catalog.length), k * bp.perRun));
      units.set(i, unit);
      ctx.onProgress?.(units.size, wanted.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(2 * engine.workers + 1, wanted.length) }, run));
  return units;
}

/** The rows of predictions.csv from every patient's unit, in the file's patient order. */
function predictionRows(bp: BatchPlan, units: ReadonlyMap<number, Float64Array>): CsvValue[][] {
  const months = Math.floor(bp.base.horizon + 1e-9);
  const lay = responseLayout(months, bp.base.catalog.length);
  return bp.doc.patients.flatMap((p, i) => {
    const unit = units.get(i)!;
    const accs = bp.ps.scenarios.map((_, k) => unit.subarray(k * bp.perRun, (k + 1) * bp.perRun));
    const outcome = summarizePrediction(bp.base, bp.plans[i], accs, bp.doc.settings, label(p.id), lay);
    if (!outcome.ok) return [[p.id, p.facts.now, null, null, null, null, null, null, null, null, Math.round(outcome.ess * 10) / 10, outcome.reason]];
    const r = outcome.result;
    return r.options.flatMap((o) => o.responseBy.map((at, m) => {
      const mc = o.responseByMonteCarlo?.[m] ?? at;
      return [p.id, r.now, o.option, at.month, at.rate, at.lo, at.hi, mc.lo, mc.hi, o.expectedMonthsToResponse, r.ess, null];
    }));
  });
}

function writePredictions(out: string, bp: BatchPlan, units: ReadonlyMap<number, Float64Array>): { file: string; refused: number } {
  const rows = predictionRows(bp, units);
  const file = join(out, PREDICTIONS_FILE);
  writeFileAtomic(file, csvDocument(PREDICTION_COLUMNS, rows));
  return { file, refused: rows.filter((r) => r[11] !== null).length };
}

/** Where the shards of a batch write: `<out>/predict-shards-<hash12>/shard-<i>-of-<n>.partial.json`. */
export function predictShardFile(out: string, hash: string, shard: Shard): string {
  const width = String(shard.count).length;
  return join(out, `predict-shards-${hash.slice(0, 12)}`, `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}.partial.json`);
}

export type BatchOutcome =
  | { kind: 'done'; file: string; patients: number; refused: number; parameterDraws: number }
  | { kind: 'shard'; file: string; patients: number; totalPatients: number };

/** `jaksim predict --batch`: predictions.csv, or with a shard its partial result. */
export async function runPredictBatch(a: BatchInputs, engine: Engine, ctx: AppContext): Promise<BatchOutcome> {
  const bp = planBatch(a);
  checkOutputFolder(a.out, '--out'); // before any work: computed predictions are never lost to an unwritable --out
  const n = bp.doc.patients.length;
  if (a.shard) {
    const { index, count } = a.shard;
    const mine = bp.plans.map((_, i) => i).filter((i) => i % count === index - 1);
    checkPartialSize(`shard ${index}/${count}`, mine.length, bp.unitLength);
    const units = await simulatePatients(bp, engine, mine, ctx);
    const partial = makePartial({
      engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), scenarioHash: bp.hash, seed: a.seed, patients: a.draws,
      blockSize: BLOCK_SIZE, blockCount: n, layoutLength: bp.unitLength, shard: a.shard, workers: engine.workers, scenario: bp.base,
      predictBatch: bp.doc as unknown as Record<string, unknown>,
    }, units);
    const file = predictShardFile(a.out, bp.hash, a.shard);
    writeFileAtomic(file, jsonChunks(partial));
    return { kind: 'shard', file, patients: mine.length, totalPatients: n };
  }
  const units = await simulatePatients(bp, engine, bp.plans.map((_, i) => i), ctx);
  return { kind: 'done', ...writePredictions(a.out, bp, units), patients: n, parameterDraws: bp.ps.parameterDraws };
}

/** Is this partial a shard of a predict batch (not of a run)? */
export const isPredictBatchPartial = (p: PartialResult): boolean => p.predictBatch !== undefined;

export interface PredictMergeOutcome { kind: 'predict'; file: string; patients: number; refused: number; files: number }

/**
 * Merge the shards of one batch: the same checks as a run's merge (one engine build, one batch, one shard
 * count, every patient exactly once, the missing shards named), then predictions.csv as the unsharded batch writes it.
 */
export function mergePredictBatch(read: { file: string; partial: PartialResult; blocks: Map<number, Float64Array> }[], out: string): PredictMergeOutcome {
  checkOutputFolder(out, '--out');
  const first = read[0];
  const p0 = first.partial;
  for (const r of read) {
    const p = r.partial;
    const mismatch = engineMismatch(p);
    if (mismatch) throw new UserError(`${r.file}: ${mismatch}; run every shard and the merge with one build of the same code`);
    if (!isPredictBatchPartial(p)) throw new UserError(`${r.file} is a shard of a run and ${first.file} of a predict batch: merge each on its own`);
    if (p.scenarioHash !== p0.scenarioHash) throw new UserError(`${r.file} and ${first.file} are not shards of the same predict batch (patients, scenario, draws, seed or parameter draws differ)`);
    if (p.shard.count !== p0.shard.count) throw new UserError(`${r.file} and ${first.file} are not shards of the same predict batch: they differ in shard count (${p.shard.count} vs ${p0.shard.count})`);
  }
  if (p0.blockSize !== BLOCK_SIZE) throw new UserError(`${first.file}: block size ${p0.blockSize}, but this engine uses ${BLOCK_SIZE}`);
  // A partial file is user input: the stored scenario and patients are validated again, the hash recomputed.
  const doc = p0.predictBatch as unknown as BatchDocument;
  const base = validateScenario(p0.scenario, `${first.file} (scenario)`);
  const ids = base.catalog.map((d) => d.id);
  if (doc?.kind !== 'jaksim-predict-batch' || !Array.isArray(doc.patients) || !Array.isArray(doc.scenarios) || doc.scenarios.length === 0) {
    throw new UserError(`${first.file}: not a valid predict batch shard (its predictBatch field)`);
  }
  doc.patients.forEach((p) => validatePatient(p.facts, `${first.file} (patient ${p.id})`, ids));
  if (batchHash(p0.scenario, doc) !== p0.scenarioHash) throw new UserError(`${first.file}: the batch does not match its hash`);
  const ps: PredictScenarios = { scenarios: doc.scenarios, parameterDraws: doc.settings.parameterDraws, drawsFile: doc.parameterDrawsFile };
  const bp = planOf(base, doc, ps);
  if (bp.unitLength !== p0.layoutLength || doc.patients.length !== p0.blockCount) {
    throw new UserError(`${first.file}: ${p0.blockCount} patients of ${p0.layoutLength} numbers, but its batch gives ${doc.patients.length} of ${bp.unitLength}`);
  }
  const owner = new Map<number, string>();
  const units = new Map<number, Float64Array>();
  for (const r of read) {
    for (const [i, data] of r.blocks) {
      if (owner.has(i)) throw new UserError(`patient ${i + 1} (${doc.patients[i].id}) is covered twice: by ${owner.get(i)} and by ${r.file} (shard ${r.partial.shard.index}/${r.partial.shard.count}); give each shard once`);
      // The checksum guards against damage, not forgery: sums of weights are finite and never negative.
      if (data.some((x) => !(x >= 0 && x < Infinity))) throw new UserError(`${r.file}: patient ${i + 1} holds impossible sums; the file was altered or not written by jaksim`);
      owner.set(i, `${r.file} (shard ${r.partial.shard.index}/${r.partial.shard.count})`);
      units.set(i, data);
    }
  }
  const n = p0.shard.count;
  const missing = doc.patients.map((_, i) => i).filter((i) => !units.has(i));
  if (missing.length > 0) {
    const shards = [...new Set(missing.map((i) => (i % n) + 1))].sort((a, b) => a - b);
    throw new UserError(`${missing.length} of ${doc.patients.length} patients are missing: shard${shards.length > 1 ? 's' : ''} ${shards.slice(0, 8).map((s) => `${s}/${n}`).join(', ')}${shards.length > 8 ? ', ...' : ''} not given`);
  }
  return { kind: 'predict', ...writePredictions(out, bp, units), patients: doc.patients.length, files: read.length };
}
