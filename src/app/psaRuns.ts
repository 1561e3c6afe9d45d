// The runs of a PSA on the engine as work units (run, block): a few runs in flight, each run's blocks merged in
// block order. With a checkpoint every completed unit is saved and a restarted analysis simulates only the rest;
// a shard simulates the units u with u mod n = i - 1 and writes them as a partial result for `psa --merge`.
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
 * The identity of an analysis: a hash of the resolved scenario, every run's
 * parameter values, the patients per run, the engine version and the block
 * size. Checkpoints and shards of a changed analysis never mix with these.
 */
export function psaHash(s: Scenario, runValues: readonly (readonly number[])[], patients: number): string {
  return documentHash({ scenario: s, runValues, patients, engineVersion: ENGINE_VERSION, blockSize: BLOCK_SIZE });
}

/** `<out>/<scenario>/.psa-checkpoint-<hash>/`. */
export function psaCheckpointFolder(outRoot: string, s: Scenario, hash: string): string {
  return join(scenarioFolder(outRoot, s.name), `.psa-checkpoint-${hash.slice(0, 16)}`);
}

/** Units of an analysis: unit u is block u mod `perRun` of run floor(u / perRun) (every run has the same patients). */
export function unitLayout(compiled: readonly CompiledScenario[]): { perRun: number; units: number } {
  const perRun = planBlocks(compiled[0].patients).length;
  return { perRun, units: perRun * compiled.length };
}

/**
 * Simulate the units `wanted` (all by default) not in `have`, at most 2 W + 1
 * runs in flight on W workers; each run's compiled scenario is sent to the
 * workers once and serves all its blocks. `onUnit` gets each new unit, in
 * block order within a run. Stops launching when `shouldStop` turns true.
 */
export async function simulateUnits(
  compiled: readonly CompiledScenario[], engine: Engine, ctx: AppContext,
  o: { have?: ReadonlyMap<number, unknown>; wanted?: (unit: number) => boolean; onUnit: (unit: number, out: BlockAggregates) => void; shouldStop?: () => boolean },
): Promise<void> {
  const blocks = planBlocks(compiled[0].patients);
  const per = blocks.length;
  const todo = (r: number) => blocks.filter((b) => (o.wanted?.(r * per + b.index) ?? true) && !o.have?.has(r * per + b.index)).map((b) => b.index);
  const total = compiled.reduce((a, _, r) => a + todo(r).reduce((n, b) => n + blocks[b].size, 0), 0);
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < compiled.length && !o.shouldStop?.()) {
      const r = next++;
      const mine = todo(r);
      if (mine.length === 0) continue; // a shard without units of this run: nothing to send the workers
      await engine.runBlocks(compiled[r], mine, (index, out) => {
        o.onUnit(r * per + index, out);
        done += blocks[index].size;
        ctx.onProgress?.(done, total);
      }, o.shouldStop);
    }
  };
  await Promise.all(Array.from({ length: Math.min(2 * engine.workers + 1, compiled.length) }, worker));
}

/**
 * The curves of every run from its units (each run's blocks added in block
 * order by engine/blocks.ts mergeBlocks, as Engine.run does, so they are
 * byte-identical for any worker count, checkpoint or shards). Units are
 * consumed from `units` run by run; a run with a unit missing gives undefined.
 */
export function curvesFromUnits(compiled: readonly CompiledScenario[], units: Map<number, BlockAggregates>): (RunCurves | undefined)[] {
  const { perRun } = unitLayout(compiled);
  return compiled.map((c, r) => {
    const mine = new Map<number, BlockAggregates>();
    for (let b = 0; b < perRun; b++) {
      const u = units.get(r * perRun + b);
      if (u) mine.set(b, u);
    }
    if (mine.size < perRun) return undefined;
    return runCurves(c, mergeBlocks(c, mine));
  });
}

/**
 * Simulate every run (resuming from and saving to a checkpoint when given).
 * Memory stays small: a run's units are reduced to its curves as soon as the
 * last of them arrives.
 */
export async function simulateRuns(
  compiled: readonly CompiledScenario[], engine: Engine, ctx: AppContext, checkpoint?: { folder: string; scenario: Scenario },
): Promise<{ kind: 'done'; curves: RunCurves[]; finish: () => void } | Stopped> {
  const { perRun, units } = unitLayout(compiled);
  const cp = checkpoint ? new Checkpoint(checkpoint.folder, compiled[0].layout.length, units) : undefined;
  const loaded = cp ? cp.load() : { blocks: new Map<number, BlockAggregates>(), bad: [] };
  const have = loaded.blocks;
  const where = cp ? (ctx.showPath ?? ((p: string) => p))(cp.folder) : '';
  // A saved unit whose checksum failed is not in `have`: it is simulated again.
  for (const b of loaded.bad) ctx.warn?.(`checkpoint: unit ${b.index} in ${where} is damaged (${b.reason}); simulating it again`);
  if (cp) {
    cp.open(checkpoint!.scenario);
    if (have.size > 0) ctx.log?.(`resuming: ${have.size} of ${units} (draw, block) units already saved in ${where}`);
  }
  const curves: (RunCurves | undefined)[] = compiled.map(() => undefined); // no holes: .some sees every run
  const pending = new Map<number, Map<number, BlockAggregates>>();
  const add = (u: number, out: BlockAggregates) => {
    const r = Math.floor(u / perRun);
    const mine = pending.get(r) ?? new Map<number, BlockAggregates>();
    mine.set(u, out);
    pending.set(r, mine);
    if (mine.size === perRun) {
      curves[r] = curvesFromUnits([compiled[r]], new Map([...mine].map(([k, v]) => [k - r * perRun, v])))[0];
      pending.delete(r);
    }
  };
  for (const [u, out] of have) add(u, out);
  await simulateUnits(compiled, engine, ctx, {
    have, onUnit: (u, out) => { cp?.save(u, out); add(u, out); }, shouldStop: cp ? ctx.shouldStop : undefined,
  });
  if (curves.some((c) => c === undefined)) return { kind: 'stopped', saved: cp!.load().blocks.size, blockCount: units, checkpoint: where };
  return { kind: 'done', curves: curves as RunCurves[], finish: () => cp?.remove() };
}
