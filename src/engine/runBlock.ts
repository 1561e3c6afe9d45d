// One block of patients: its own seeded stream, all policies on each patient, compact aggregates out.
import type { CompiledScenario } from '../model/compile.js';
import { Patient, covariateStride, drawPatient, patientFromVariates, variateStride } from '../model/population.js';
import { PredictScratch, addPredictSample, predictLayout, type PredictSpec } from '../model/predict.js';
import { TrialCourse, addTrialPatient, trialLayout, type TrialSpec } from '../model/trial.js';
import {
  RECORD_DRUG_MONTHS, RECORD_LINES, RECORD_NON_RESPONSE, followPolicy, patientRecordStride,
} from '../policy/followPolicy.js';
import { streamFor, type Stream } from '../rng/streams.js';
import { blockCovariates, blockVariates } from './patientVariates.js';

/** Patients per block: fixed by the engine (never by the worker count), part of what a seed means. */
export const BLOCK_SIZE = 4096;

/** Block `index` of a run: patients index * BLOCK_SIZE onwards, `size` of them (BLOCK_SIZE, the last one possibly fewer). */
export interface Block {
  index: number;
  size: number;
}

/**
 * Patients from..to - 1 of a block (trial mode only: its counts are whole numbers, so a block's parts add up
 * to the block's counts exactly, in any order).
 */
export interface PatientRange {
  from: number;
  to: number;
}

/** `block` in `parts` ranges of (nearly) equal size, in patient order. */
export function splitBlock(block: Block, parts: number): PatientRange[] {
  const n = Math.max(1, Math.min(parts, block.size));
  return Array.from({ length: n }, (_, j) => ({ from: Math.floor((j * block.size) / n), to: Math.floor(((j + 1) * block.size) / n) }));
}

/** A part of a block of one of several runs: run index, the block, and the block's patients in this part. */
export interface RunPart { run: number; block: Block; range: PatientRange }

/**
 * Several runs' patients (each run's blocks in order, the runs one after the other) cut into `parts`
 * contiguous shares of (nearly) equal size: part j gets the patients from floor(j N / parts) to
 * floor((j + 1) N / parts) - 1 of the N in all. A part holds whole blocks but for at most the one block at
 * each of its two ends, so a thread that simulates it compiles and keeps only its own runs' blocks.
 */
export function splitRuns(patientsPerRun: readonly number[], parts: number): RunPart[][] {
  const total = patientsPerRun.reduce((a, n) => a + n, 0);
  const n = Math.max(1, parts);
  const cut = (j: number) => Math.floor((j * total) / n);
  const out: RunPart[][] = Array.from({ length: n }, () => []);
  let offset = 0; // patients before this block, over all runs
  let j = 0;
  patientsPerRun.forEach((patients, run) => {
    for (const block of planBlocks(patients)) {
      const end = offset + block.size;
      while (j < n - 1 && cut(j + 1) <= offset) j++;
      for (let k = j; k < n && cut(k) < end; k++) {
        const from = Math.max(cut(k), offset) - offset;
        const to = Math.min(cut(k + 1), end) - offset;
        if (to > from) out[k].push({ run, block, range: { from, to } });
      }
      offset = end;
    }
  });
  return out;
}

/** One block's (or a merged run's) aggregates, laid out by model/layout.ts; read them through engine/aggregates.ts. */
export type BlockAggregates = Float64Array;

/**
 * Simulate one block under every policy of the scenario (common random
 * numbers: each patient is drawn once and followed under each policy).
 * Returns the block's aggregates (model/layout.ts).
 */
export function runBlock(c: CompiledScenario, block: Block): BlockAggregates {
  // Drawn from the stream, never from kept variates: choosing the source here through nextPatient made the
  // canonical patient 19,500-20,200 callgrind instructions against 15,600 (bench/instructions.sh), and a
  // policy run's draw is small beside following the policies (psa gained 3% from keeping them).
  const rng = streamFor(c.seed, block.index);
  const patient = new Patient(c.drugCount);
  const acc = new Float64Array(c.layout.length);
  const firstVisit = new Int32Array(c.policyCount);
  const lay = c.layout;
  const drugCount = c.drugCount;
  const stride = patientRecordStride(drugCount);
  const record = new Float64Array(c.policyCount * stride); // per-patient outcomes, reused
  const cost = new Float64Array(c.policyCount); // this patient's drug cost under each policy
  const hasCosts = c.hasCosts;
  const never = lay.visitCount;
  const policyCount = c.policyCount;
  const pairCount = c.pairCount;
  // Layout offsets in locals: the loop below runs once per patient.
  const pairBase = lay.pairBase;
  const pairStride = lay.pairStride;
  const pairNonResponse = lay.pairNonResponse;
  const pairLines = lay.pairLines;
  const pairDrugMonths = lay.pairDrugMonths;
  const pairCost = lay.pairCost;
  for (let i = 0; i < block.size; i++) {
    drawPatient(rng, c, patient);
    for (let policy = 0; policy < policyCount; policy++) {
      firstVisit[policy] = followPolicy(c, policy, patient, acc, record);
      if (hasCosts) {
        let x = 0;
        for (let d = 0; d < drugCount; d++) x += c.monthlyPrice[d] * record[policy * stride + RECORD_DRUG_MONTHS + d];
        cost[policy] = x;
        const at = policy * lay.policyStride + lay.cost;
        acc[at] += x;
        acc[at + 1] += x * x;
        if (firstVisit[policy] < never) acc[at + 2] += x;
      }
    }
    for (let q = 0; q < pairCount; q++) {
      const pa = c.pairA[q];
      const pb = c.pairB[q];
      const fa = firstVisit[pa];
      const fb = firstVisit[pb];
      const pairAt = pairBase + q * pairStride;
      // Per-patient differences b - a of the secondary outputs: sums of d and d^2.
      const ra = pa * stride;
      const rb = pb * stride;
      let d = record[rb + RECORD_NON_RESPONSE] - record[ra + RECORD_NON_RESPONSE];
      acc[pairAt + pairNonResponse] += d;
      acc[pairAt + pairNonResponse + 1] += d * d;
      d = record[rb + RECORD_LINES] - record[ra + RECORD_LINES];
      acc[pairAt + pairLines] += d;
      acc[pairAt + pairLines + 1] += d * d;
      for (let g = 0; g < drugCount; g++) {
        d = record[rb + RECORD_DRUG_MONTHS + g] - record[ra + RECORD_DRUG_MONTHS + g];
        acc[pairAt + pairDrugMonths + 2 * g] += d;
        acc[pairAt + pairDrugMonths + 2 * g + 1] += d * d;
      }
      if (hasCosts) {
        d = cost[pb] - cost[pa];
        const dr = (fb < never ? 1 : 0) - (fa < never ? 1 : 0);
        acc[pairAt + pairCost] += d;
        acc[pairAt + pairCost + 1] += d * d;
        acc[pairAt + pairCost + 2] += d * dr;
      }
      if (fa === fb) continue;
      // Difference arrays: from min(fa, fb) up to max(fa, fb) exactly one of the two has responded.
      const off = pairAt + (fb < fa ? lay.bOnly : lay.aOnly);
      const lo = fb < fa ? fb : fa;
      const hi = fb < fa ? fa : fb;
      acc[off + lo]++;
      acc[off + hi]--;
    }
  }
  return acc;
}

/** Trial mode for one block: the same patients as runBlock, one drug (and a design's), exact times. */
export function runTrialBlock(
  c: CompiledScenario, trial: TrialSpec, block: Block, reuse = false, range: PatientRange = { from: 0, to: block.size },
): Float64Array {
  const draws = blockDraws(c, block, reuse);
  const patient = new Patient(c.drugCount);
  const lay = trialLayout(trial);
  const course = new TrialCourse(trial, c);
  const counts = new Float64Array(lay.length);
  // The stream is sequential: patients before the range are drawn and dropped (kept variates need not be).
  if (!draws.kept) for (let i = 0; i < range.from; i++) drawPatient(draws.rng!, c, patient);
  for (let i = range.from; i < range.to; i++) {
    nextPatient(c, draws, i, patient);
    addTrialPatient(c, trial, patient, counts, lay, course);
  }
  return counts;
}

/** Prediction for one patient on one block of population draws (model/predict.ts sums). */
export function runPredictBlock(c: CompiledScenario, spec: PredictSpec, block: Block, reuse = false): Float64Array {
  const draws = blockDraws(c, block, reuse);
  const patient = new Patient(c.drugCount);
  const lay = predictLayout(spec);
  const scratch = new PredictScratch();
  const acc = new Float64Array(lay.length);
  for (let i = 0; i < block.size; i++) {
    nextPatient(c, draws, i, patient);
    addPredictSample(c, spec, patient, acc, lay, scratch);
  }
  return acc;
}

/**
 * Where a block's patients come from: its stream, drawn as they are simulated, or (reuse: a command that
 * simulates these patients again) the variates and covariates this thread keeps (engine/patientVariates.ts), the
 * same numbers.
 */
interface BlockDraws { rng: Stream | null; kept: { variates: Float64Array; covariates: Float64Array; stride: number; covariateStride: number } | null }

function blockDraws(c: CompiledScenario, block: Block, reuse: boolean): BlockDraws {
  if (!reuse) return { rng: streamFor(c.seed, block.index), kept: null };
  const variates = blockVariates(c, block);
  return {
    rng: null,
    kept: { variates, covariates: blockCovariates(c, block, variates), stride: variateStride(c), covariateStride: covariateStride(c) },
  };
}

/** Patient i of the block into `patient`. */
function nextPatient(c: CompiledScenario, draws: BlockDraws, i: number, patient: Patient): void {
  const kept = draws.kept;
  if (kept) patientFromVariates(c, kept.variates, i * kept.stride, patient, kept.covariates, i * kept.covariateStride);
  else drawPatient(draws.rng!, c, patient);
}

/** The blocks of a run of `patients` patients, the last one possibly short. */
export function planBlocks(patients: number): Block[] {
  return Array.from({ length: blockCount(patients) }, (_, i) => blockAt(patients, i));
}

/** How many blocks a run of `patients` patients has. */
export function blockCount(patients: number): number {
  return Math.ceil(patients / BLOCK_SIZE);
}

/** Block `index` of a run of `patients` patients (planBlocks(patients)[index], without the list). */
export function blockAt(patients: number, index: number): Block {
  return { index, size: Math.min(BLOCK_SIZE, patients - index * BLOCK_SIZE) };
}
