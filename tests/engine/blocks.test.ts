// Block subsets (shards, checkpoints): any split of the blocks, run on 1 or 2 workers and merged in block order, is byte-identical to a whole run.
import { afterAll, describe, expect, it } from 'vitest';
import { mergeBlocks } from '../../src/engine/blocks.js';
import { Engine } from '../../src/engine/pool.js';
import { BLOCK_SIZE, planBlocks } from '../../src/engine/runBlock.js';
import { shardBlocks } from '../../src/engine/blocks.js';
import { compileScenario } from '../../src/model/compile.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

const PATIENTS = 30_000; // 8 blocks, the last one short

function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('Engine.runBlocks and mergeBlocks', () => {
  const c = compileScenario(scenario(allRulesDoc(PATIENTS)));
  const engines = [1, 2].map((workers) => new Engine({ workers }));
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  it('3 shards on 1 and 2 workers, merged, equal the whole run byte for byte; blocks arrive in order', async () => {
    const whole = await engines[0].run(c);
    const blockCount = planBlocks(PATIENTS).length;
    for (const engine of engines) {
      const blocks = new Map<number, Float64Array>();
      for (const i of [3, 1, 2]) {
        const seen: number[] = [];
        const mine = shardBlocks(blockCount, i, 3);
        const done = await engine.runBlocks(c, [...mine].reverse(), (index, out) => { seen.push(index); blocks.set(index, out); });
        expect(seen).toEqual(mine);
        expect(done).toEqual(mine);
      }
      expect(sameBytes(mergeBlocks(c, blocks), whole)).toBe(true);
    }
  });

  it('shouldStop: no block launched after it turns true; a missing block is refused by the merge', async () => {
    // 100 blocks: more than the pool's window holds (8 messages of up to 8 blocks on 2 workers, messageGroups).
    const big = compileScenario(scenario(allRulesDoc(100 * BLOCK_SIZE)));
    const all = planBlocks(100 * BLOCK_SIZE).map((b) => b.index);
    for (const engine of engines) {
      const blocks = new Map<number, Float64Array>();
      const done = await engine.runBlocks(big, all, (index, out) => blocks.set(index, out), () => blocks.size >= 2);
      expect(done.length).toBeGreaterThanOrEqual(2);
      // In flight when it stopped: at most the pool's window (4 messages per worker, each at most 8 blocks), all saved.
      expect(done.length).toBeLessThanOrEqual(2 + (engine.workers > 1 ? engine.workers * 4 * 8 : 0));
      expect(done.length).toBeLessThan(all.length);
      expect(done).toEqual([...blocks.keys()]);
      expect(() => mergeBlocks(big, blocks)).toThrow(/missing/);
    }
  });

  it('a block outside the run is refused', async () => {
    await expect(engines[0].runBlocks(c, [8], () => {})).rejects.toThrow(/not a block of this run/);
  });
});
