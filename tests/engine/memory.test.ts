// Peak memory does not grow with the number of patients (issue 16): each worker's young generation is capped,
// so V8 cannot keep doubling it over a long run (pool.ts WORKER_YOUNG_GENERATION_MB says why).
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Engine, WORKER_YOUNG_GENERATION_MB } from '../../src/engine/pool.js';
import { compileScenario } from '../../src/model/compile.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

/** The V8 limits in effect for a worker started with no resourceLimits (Node's defaults). */
async function defaultWorkerLimits(): Promise<Worker['resourceLimits']> {
  const w = new Worker('setTimeout(() => {}, 10000)', { eval: true });
  await once(w, 'online');
  const limits = w.resourceLimits;
  await w.terminate();
  return limits;
}

describe('worker heap limits', () => {
  it("every worker of a 2-worker engine runs with its young generation capped below Node's default; the old generation keeps its default", async () => {
    const defaults = await defaultWorkerLimits();
    expect(WORKER_YOUNG_GENERATION_MB).toBeLessThan(defaults!.maxYoungGenerationSizeMb!);
    const engine = new Engine({ workers: 2 });
    try {
      await engine.run(compileScenario(scenario(allRulesDoc(20_000))));
      const threads = (engine as unknown as { pool: { threads: Worker[] } }).pool.threads;
      expect(threads).toHaveLength(2);
      for (const t of threads) {
        expect(t.resourceLimits?.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
        expect(t.resourceLimits?.maxOldGenerationSizeMb).toBe(defaults!.maxOldGenerationSizeMb);
      }
    } finally {
      await engine.close();
    }
  });
});
