// The patients of a block drawn once per thread, for trial-mode and prediction blocks: calibration and
// predict simulate the same patients (the blocks of one seed) under many parameter values, and drawing them from the stream
// (Box-Muller normals, exponentials) was half of a calibration worker's time. A patient is its stream
// variates (model/population.ts drawVariates) and the parameters, so the variates are kept and each run
// applies its own parameters to them (patientFromVariates): the same numbers as drawing afresh.
import type { CompiledScenario } from '../model/compile.js';
import {
  Patient, covariateStride, covariatesKey, covariatesOf, drawVariates, variateStride,
} from '../model/population.js';
import { streamFor } from '../rng/streams.js';

/** Bytes of variates one thread keeps; past it the least recently used blocks are dropped (and redrawn if asked again). */
export const VARIATE_BUDGET_BYTES = 128 * 2 ** 20;

const kept = new Map<string, Float64Array>();
let keptBytes = 0;

/**
 * The variates of every patient of `block` of `c` (variateStride(c) each, patient i from i * stride): from
 * this thread's store, or drawn now and stored. They depend only on the block's stream (the seed and block
 * index), its size and the draw shape (drug count, the version-2 mechanisms on), so those are the key.
 */
export function blockVariates(c: CompiledScenario, block: { index: number; size: number }): Float64Array {
  const key = variatesKey(c, block);
  return keptOr(key, () => {
    const stride = variateStride(c);
    const v = new Float64Array(block.size * stride);
    const rng = streamFor(c.seed, block.index);
    for (let i = 0; i < block.size; i++) drawVariates(rng, c, v, i * stride);
    return v;
  });
}

/**
 * The covariates and spreads of every patient of `block` of `c` (model/population.ts covariatesOf,
 * covariateStride(c) each): kept like the variates, keyed by them and by what else they depend on (the
 * population, sTau and sTauOff: covariatesKey).
 */
export function blockCovariates(c: CompiledScenario, block: { index: number; size: number }, variates: Float64Array): Float64Array {
  return keptOr(`${variatesKey(c, block)}/covariates/${covariatesKey(c)}`, () => {
    const stride = variateStride(c);
    const kept = covariateStride(c);
    const out = new Float64Array(block.size * kept);
    const scratch = new Patient(c.drugCount);
    for (let i = 0; i < block.size; i++) covariatesOf(c, variates, i * stride, out, i * kept, scratch);
    return out;
  });
}

/** Variates depend only on the block's stream (the seed and block index), its size and the draw shape. */
function variatesKey(c: CompiledScenario, block: { index: number; size: number }): string {
  return `${c.seed}/${block.index}/${block.size}/${c.drugCount}/${c.offsetOn ? 1 : 0}/${c.escapeOn ? 1 : 0}`;
}

/** The array kept under `key`, or `make()`'s, kept now (dropping the least recently used past the budget). */
function keptOr(key: string, make: () => Float64Array): Float64Array {
  const hit = kept.get(key);
  if (hit) {
    kept.delete(key); // re-inserted: Map order is the recency order
    kept.set(key, hit);
    return hit;
  }
  const v = make();
  kept.set(key, v);
  keptBytes += v.byteLength;
  for (const [k, old] of kept) {
    if (keptBytes <= VARIATE_BUDGET_BYTES || old === v) break;
    kept.delete(k);
    keptBytes -= old.byteLength;
  }
  return v;
}

/** Blocks and bytes this thread keeps (for tests). */
export function keptVariates(): { blocks: number; bytes: number } {
  return { blocks: kept.size, bytes: keptBytes };
}
