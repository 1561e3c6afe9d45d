// Several tasks in one message to a worker (engine/pool.ts messageGroups): every task once and in order, the caps
// kept, single tasks at the end; and the values of grouped blocks are each block's own, merged as before.
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, PATIENTS_PER_MESSAGE, messageGroups } from '../../src/engine/pool.js';
import { BLOCK_SIZE, planBlocks, runBlock, runTrialBlock } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import type { TrialSpec } from '../../src/model/trial.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('messageGroups', () => {
  const cases: [number[], number][] = [
    [Array(245).fill(BLOCK_SIZE), 2], [Array(30).fill(BLOCK_SIZE), 3], [[BLOCK_SIZE, 100, 3 * PATIENTS_PER_MESSAGE, 5, 5, 5], 1],
    [Array(9).fill(20_000), 2], [[], 2], [[7], 4],
  ];
  for (const [patients, workers] of cases) {
    it(`${patients.length} tasks on ${workers} workers`, () => {
      const groups = messageGroups(patients, workers);
      // Laid end to end, the groups are the tasks in order, each once.
      expect(groups.flatMap(([s, e]) => Array.from({ length: e - s }, (_, i) => s + i))).toEqual(patients.map((_, i) => i));
      for (const [s, e] of groups) {
        expect(e).toBeGreaterThan(s);
        expect(e - s).toBeLessThanOrEqual(8);
        const sum = patients.slice(s, e).reduce((a, n) => a + n, 0);
        // A task above the cap travels alone.
        if (e - s > 1) expect(sum).toBeLessThanOrEqual(PATIENTS_PER_MESSAGE);
        // Tasks run single once at most four a worker are left: the workers finish together.
        if (patients.length - s <= 4 * workers) expect(e - s).toBe(1);
      }
    });
  }

  it('keeps to maxTasks (the values cap of large aggregates), and to one task a message at maxTasks 1 or 0', () => {
    expect(Math.max(...messageGroups(Array(100).fill(BLOCK_SIZE), 1, 3).map(([a, b]) => b - a))).toBe(3);
    for (const cap of [1, 0]) expect(messageGroups(Array(100).fill(BLOCK_SIZE), 1, cap).every(([a, b]) => b - a === 1)).toBe(true);
  });

  it('groups the canonical run: far fewer messages than blocks', () => {
    const groups = messageGroups(Array(245).fill(BLOCK_SIZE), 2);
    expect(groups.length).toBeLessThan(70);
    expect(groups[0]).toEqual([0, 8]);
  });
});

describe('grouped messages on the pool', () => {
  const PATIENTS = 40 * BLOCK_SIZE + 17; // 41 blocks: groups of up to 6 on 2 workers
  const s = scenario(allRulesDoc(PATIENTS));
  const c = compileScenario(s);
  const engine = new Engine({ workers: 2 });
  afterAll(() => engine.close());

  it('the plan is grouped', () => {
    expect(messageGroups(planBlocks(PATIENTS).map((b) => b.size), 2).some(([a, b]) => b - a > 1)).toBe(true);
  });

  it('run: merged aggregates byte-identical to runBlock per block added in order', async () => {
    const out = await engine.run(c);
    const direct = new Float64Array(c.layout.length);
    for (const block of planBlocks(PATIENTS)) {
      const b = runBlock(c, block);
      for (let i = 0; i < direct.length; i++) direct[i] += b[i];
    }
    expect(sameBytes(out, direct)).toBe(true);
    expect(direct[0]).toBeGreaterThan(0);
  });

  it('runBlocks: each listed block gets its own aggregates, in block order', async () => {
    const wanted = [0, 1, 2, 3, 5, 8, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 32, 33, 34, 35, 36, 40];
    const seen: number[] = [];
    const all = planBlocks(PATIENTS);
    await engine.runBlocks(c, wanted, (index, out) => {
      seen.push(index);
      expect(sameBytes(out, runBlock(c, all[index]))).toBe(true);
    });
    expect(seen).toEqual(wanted);
  });

  it('trial mode: counts byte-identical to runTrialBlock per block added in order', async () => {
    const trial: TrialSpec = {
      drug: 1, months: Float64Array.from([3, 9]), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([50]), bandHi: Float64Array.from([100]),
    };
    const out = await engine.trial(c, trial);
    const direct = new Float64Array(out.length);
    for (const block of planBlocks(PATIENTS)) {
      const b = runTrialBlock(c, trial, block);
      for (let i = 0; i < direct.length; i++) direct[i] += b[i];
    }
    expect(sameBytes(out, direct)).toBe(true);
    expect(direct[0]).toBe(PATIENTS);
  });
});
