// Blocks of a run beyond the plan itself: the blocks of one shard, and the merge of per-block aggregates in block order.
import type { CompiledScenario } from '../model/compile.js';
import { planBlocks, type BlockAggregates } from './runBlock.js';

/**
 * Blocks of shard i of n (1-based): block b belongs to shard ((offset + b) mod n) + 1,
 * so shards get equal work (offset: a sweep's units before this grid point).
 */
export function shardBlocks(blockCount: number, index: number, count: number, offset = 0): number[] {
  const out: number[] = [];
  for (let b = 0; b < blockCount; b++) if ((offset + b) % count === index - 1) out.push(b);
  return out;
}

/**
 * Merge per-block aggregates of a whole run strictly in block order, adding
 * the float sums exactly as `Engine.run` does, so the result is
 * byte-identical to a single uninterrupted run. Every block of the run must be
 * present (callers check and name missing blocks first).
 */
export function mergeBlocks(c: CompiledScenario, blocks: ReadonlyMap<number, BlockAggregates>): BlockAggregates {
  const length = c.layout.length;
  const total = new Float64Array(length);
  for (const block of planBlocks(c.patients)) {
    const out = blocks.get(block.index);
    if (!out || out.length !== length) throw new RangeError(`block ${block.index} is missing or has the wrong length`);
    for (let i = 0; i < length; i++) total[i] += out[i];
  }
  return total;
}
