// Determinism across worker counts (STYLE.md "Determinism comes from the layout of the randomness"):
// the same scenario and seed give byte-identical merged aggregates for 1 (in-process), 2 and 3 workers.
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/pool.js';
import { BLOCK_SIZE, planBlocks, runBlock, runTrialBlock } from '../../src/engine/runBlock.js';
import { summarizeRun } from '../../src/engine/summarize.js';
import { compileScenario } from '../../src/model/compile.js';
import { trialCountsLength, type TrialSpec } from '../../src/model/trial.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

const PATIENTS = 30_000; // 8 blocks, the last one short

/** Bitwise equality of two Float64Arrays (distinguishes -0 and +0, NaN payloads). */
function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('worker-count invariance', () => {
  const s = scenario(allRulesDoc(PATIENTS));
  const c = compileScenario(s);
  const trial: TrialSpec = {
    drug: 2, months: Float64Array.from([3, 6.5, 12]), thresholds: Float64Array.from([20, 10]),
    bandLo: Float64Array.from([50, 95]), bandHi: Float64Array.from([95, 100]),
  };
  const engines = [1, 2, 3].map((workers) => new Engine({ workers }));
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  it('the plan has several blocks and a short last one, whatever the worker count', () => {
    const blocks = planBlocks(PATIENTS);
    expect(blocks.length).toBe(Math.ceil(PATIENTS / BLOCK_SIZE));
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks.reduce((n, b) => n + b.size, 0)).toBe(PATIENTS);
    expect(blocks.map((b) => b.index)).toEqual(blocks.map((_, i) => i));
  });

  it('run: 1, 2 and 3 workers give byte-identical aggregates and summaries, equal to blocks merged in order', async () => {
    const outs = [];
    for (const e of engines) outs.push(await e.run(c));
    // Independent merge: runBlock per block, added in block order.
    const direct = new Float64Array(c.layout.length);
    for (const block of planBlocks(PATIENTS)) {
      const out = runBlock(c, block);
      for (let i = 0; i < direct.length; i++) direct[i] += out[i];
    }
    for (const out of outs) {
      expect(out).toHaveLength(c.layout.length);
      expect(sameBytes(out, direct)).toBe(true);
    }
    const docs = outs.map((acc, i) => {
      const r = summarizeRun(s, c, acc, { workers: i + 1, engineVersion: 'test' });
      return JSON.stringify({ policies: r.policies, comparisons: r.comparisons });
    });
    expect(docs[1]).toBe(docs[0]);
    expect(docs[2]).toBe(docs[0]);
    // Not trivially equal: patients did respond.
    expect(JSON.parse(docs[0]).policies[0].responders).toBeGreaterThan(PATIENTS / 10);
  });

  it('trial mode: 1, 2 and 3 workers give byte-identical counts', async () => {
    const len = trialCountsLength(trial);
    const outs = [];
    for (const e of engines) outs.push(await e.trial(c, trial));
    const direct = new Float64Array(len);
    for (const block of planBlocks(PATIENTS)) {
      const out = runTrialBlock(c, trial, block);
      for (let i = 0; i < len; i++) direct[i] += out[i];
    }
    for (const out of outs) expect(sameBytes(out, direct)).toBe(true);
    expect(direct[0] + direct[1]).toBe(PATIENTS);
  });

  it('version 2 on: escape, offset, switchOnLoss, a dose change; trial mode with a design and patterns', async () => {
    const doc = allRulesDoc(PATIENTS);
    const v2 = compileScenario(scenario({
      ...doc,
      switchGapMonths: 0,
      globals: { sTauOff: 0.5 },
      catalog: (doc.catalog as Record<string, unknown>[]).map((d, i) => ({ ...d, escapeRate: 0.02 * i, molecule: i < 2 ? 'same' : 'other' })),
      policies: (doc.policies as Record<string, unknown>[]).map((p) => ({ ...p, switchOnLoss: true, lossMarginPoints: 3 })),
    }));
    expect([v2.offsetOn, v2.escapeOn, Array.from(v2.seqKeepsClock).includes(1)]).toEqual([true, true, true]);
    const design: TrialSpec = { ...trial, drug: 0, imputation: 1, design: { atMonths: 6.5, select: 0, then: 1 }, patterns: true };
    const runs = [];
    const trials = [];
    for (const e of engines) {
      runs.push(await e.run(v2));
      trials.push(await e.trial(v2, design));
    }
    for (let i = 1; i < engines.length; i++) {
      expect(sameBytes(runs[i], runs[0])).toBe(true);
      expect(sameBytes(trials[i], trials[0])).toBe(true);
    }
    expect(sameBytes(runs[0], await engines[0].run(c))).toBe(false);
  });

  it('a second run on the same pool repeats the first exactly; another seed differs', async () => {
    const first = await engines[1].run(c);
    const again = await engines[1].run(c);
    expect(sameBytes(first, again)).toBe(true);
    const other = await engines[1].run(compileScenario(scenario(allRulesDoc(PATIENTS, 778))));
    expect(sameBytes(first, other)).toBe(false);
  });
});
