// The runs of a PSA on the engine: work units (run, block), a few runs in flight, each run's blocks merged in
// block order; with a checkpoint, every completed unit is saved and a restarted analysis simulates only the rest.
import { join } from 'node:path';
import { mergeBlocks } from '../engine/blocks.js';
import type { Engine } from '../engine/pool.js';
import { runCurves, type RunCurves } from '../engine/psaSummary.js';
import { BLOCK_SIZE, planBlocks, type BlockAggregates } from '../engine/runBlock.js';
import { Checkpoint } from '../io/checkpoint.js';
import { documentHash } from '../io/hash.js';
import { scenarioFolder } from '../io/results.js';
import type { CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import type { Stopped } from './shards.js';

/**
 * `<out>/<scenario>/.psa-checkpoint-<hash>/`: the hash covers the resolved
 * scenario, every run's parameter values, the patients per run, the engine
 * version and block size, so a changed analysis never resumes from stale units.
 */
export function psaCheckpointFolder(outRoot: string, s: Scenario, runValues: readonly (readonly number[])[], patients: number): string {
  const hash = documentHash({ scenario: s, runValues, patients, engineVersion: ENGINE_VERSION, blockSize: BLOCK_SIZE }).slice(0, 16);
  return join(scenarioFolder(outRoot, s.name), `.psa-checkpoint-${hash}`);
}

/**
 * Simulate every run (all have the same patient count, so unit u is block
 * u mod B of run floor(u / B)), at most 2 W + 1 runs in flight on W workers;
 * each run's compiled scenario is sent to the workers once and serves all
 * its blocks. A run's blocks are added in block order (engine/blocks.ts
 * mergeBlocks, as Engine.run), so the curves are byte-identical for any
 * worker count and with or without a resumed checkpoint.
 */
export async function simulateRuns(
  compiled: readonly CompiledScenario[], engine: Engine, ctx: AppContext, checkpoint?: { folder: string; scenario: Scenario },
): Promise<{ kind: 'done'; curves: RunCurves[]; finish: () => void } | Stopped> {
  const patients = compiled[0].patients;
  const blocks = planBlocks(patients);
  const per = blocks.length;
  const units = compiled.length * per;
  const cp = checkpoint ? new Checkpoint(checkpoint.folder, compiled[0].layout.length, units) : undefined;
  const saved = cp ? cp.load() : new Map<number, BlockAggregates>();
  if (cp) {
    cp.open(checkpoint!.scenario);
    if (saved.size > 0) ctx.log?.(`resuming: ${saved.size} of ${units} (draw, block) units already saved in ${(ctx.showPath ?? ((p: string) => p))(cp.folder)}`);
  }
  const curves = new Array<RunCurves>(compiled.length);
  const total = compiled.length * patients;
  let done = 0;
  for (const u of saved.keys()) done += blocks[u % per].size;
  let next = 0;
  let complete = 0;
  const worker = async () => {
    while (next < compiled.length && !(cp && ctx.shouldStop?.())) {
      const r = next++;
      const c = compiled[r];
      const mine = new Map<number, BlockAggregates>();
      for (let b = 0; b < per; b++) {
        const have = saved.get(r * per + b);
        if (have) { mine.set(b, have); saved.delete(r * per + b); }
      }
      const missing = blocks.filter((b) => !mine.has(b.index)).map((b) => b.index);
      await engine.runBlocks(c, missing, (index, out) => {
        cp?.save(r * per + index, out);
        mine.set(index, out);
        done += blocks[index].size;
        ctx.onProgress?.(done, total);
      }, cp ? ctx.shouldStop : undefined);
      if (mine.size < per) continue; // stopped: the units done are saved
      curves[r] = runCurves(c, mergeBlocks(c, mine));
      complete++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(2 * engine.workers + 1, compiled.length) }, worker));
  if (complete < compiled.length) {
    const where = (ctx.showPath ?? ((p: string) => p))(cp!.folder);
    return { kind: 'stopped', saved: cp!.load().size, blockCount: units, checkpoint: where };
  }
  return { kind: 'done', curves, finish: () => cp?.remove() };
}
