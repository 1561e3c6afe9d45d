// One block of patients: its own seeded stream, all policies on each patient, compact aggregates out.
import type { CompiledScenario } from '../model/compile.js';
import { Patient, drawPatient } from '../model/population.js';
import { addTrialPatient, trialCountsLength, type TrialSpec } from '../model/trial.js';
import { followPolicy } from '../policy/followPolicy.js';
import { streamFor } from '../rng/streams.js';

/** Patients per block: fixed by the engine (never by the worker count), part of what a seed means. */
export const BLOCK_SIZE = 4096;

export interface BlockSpec {
  index: number;
  /** First patient of the block: index * BLOCK_SIZE. */
  size: number;
}

/**
 * Simulate one block under every policy of the scenario (common random
 * numbers: each patient is drawn once and followed under each policy).
 * Returns the block's aggregates (model/layout.ts).
 */
export function runBlock(c: CompiledScenario, block: BlockSpec): Float64Array {
  const rng = streamFor(c.seed, block.index);
  const patient = new Patient(c.drugCount);
  const acc = new Float64Array(c.layout.length);
  const firstVisit = new Int32Array(c.policyCount);
  const lay = c.layout;
  for (let i = 0; i < block.size; i++) {
    drawPatient(rng, c, patient);
    for (let p = 0; p < c.policyCount; p++) firstVisit[p] = followPolicy(c, p, patient, acc);
    for (let q = 0; q < c.pairCount; q++) {
      const fa = firstVisit[c.pairA[q]];
      const fb = firstVisit[c.pairB[q]];
      if (fa === fb) continue;
      // Difference arrays: from min(fa, fb) up to max(fa, fb) exactly one of the two has responded.
      const off = lay.pairBase + q * lay.pairStride + (fb < fa ? lay.bOnly : lay.aOnly);
      const lo = fb < fa ? fb : fa;
      const hi = fb < fa ? fa : fb;
      acc[off + lo]++;
      acc[off + hi]--;
    }
  }
  return acc;
}

/** Trial mode for one block: the same patients as runBlock, one drug, exact times. */
export function runTrialBlock(c: CompiledScenario, trial: TrialSpec, block: BlockSpec): Float64Array {
  const rng = streamFor(c.seed, block.index);
  const patient = new Patient(c.drugCount);
  const counts = new Float64Array(trialCountsLength(trial));
  for (let i = 0; i < block.size; i++) {
    drawPatient(rng, c, patient);
    addTrialPatient(c, trial, patient, counts);
  }
  return counts;
}

/** The blocks of a run of `patients` patients, the last one possibly short. */
export function planBlocks(patients: number): BlockSpec[] {
  const blocks: BlockSpec[] = [];
  for (let i = 0; i * BLOCK_SIZE < patients; i++) {
    blocks.push({ index: i, size: Math.min(BLOCK_SIZE, patients - i * BLOCK_SIZE) });
  }
  return blocks;
}
