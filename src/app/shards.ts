// `run --shard i/n` (a partial result of some blocks) and `run --checkpoint` (resumable): runs of block subsets.
import { join } from 'node:path';
import { mergeBlocks, shardBlocks } from '../engine/blocks.js';
import type { Engine } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks, type BlockAggregates } from '../engine/runBlock.js';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { writeFileAtomic } from '../io/atomic.js';
import { blockProblem } from '../engine/blockCheck.js';
import { Checkpoint, checkpointFolder } from '../io/checkpoint.js';
import { scenarioHash } from '../io/hash.js';
import { checkPartialSize, makePartial } from '../io/partialFile.js';
import { jsonChunks } from '../io/jsonStream.js';
import { scenarioFolder } from '../io/results.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION, engineFingerprint } from '../version.js';
import type { AppContext } from './context.js';
import { checkResultsFolder, checkRunOutput, resolveScenario, warnIfUncalibrated, writeRun, type ScenarioInputs } from './run.js';

/** Shard i of n (1-based). */
export interface Shard { index: number; count: number }

/** Where shard i of n writes: `<out>/<scenario>/shards-<hash12>/shard-<i>-of-<n>.partial.json`. */
export function partialPath(outRoot: string, s: Scenario, shard: Shard): string {
  const width = String(shard.count).length;
  return join(scenarioFolder(outRoot, s.name), `shards-${scenarioHash(s).slice(0, 12)}`,
    `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}.partial.json`);
}

export interface ShardOutcome { scenario: Scenario; file: string; blocks: number; blockCount: number }

/** A checkpointed run or shard stopped by `ctx.shouldStop`: blocks saved so far, and where. */
export interface Stopped { kind: 'stopped'; saved: number; blockCount: number; checkpoint: string }

const patientsOf = (s: Scenario, b: number) => Math.min(BLOCK_SIZE, s.patients - b * BLOCK_SIZE);

/**
 * Simulate the blocks of one shard and write their aggregates as a partial
 * result (for `jaksim merge`). Block b belongs to shard (b mod n) + 1. With
 * `checkpoint`, the shard's blocks are saved as they complete (in a folder of
 * its own) and the same command resumes a killed shard.
 */
export async function runShard(
  inputs: ScenarioInputs & { out: string; shard: Shard; checkpoint?: boolean }, engine: Engine, ctx: AppContext,
): Promise<({ kind: 'done' } & ShardOutcome) | Stopped> {
  const s = resolveScenario(inputs);
  warnIfUncalibrated(s, ctx);
  checkResultsFolder(inputs.out, s.name);
  checkRunOutput(s, ctx.command, inputs.allowLarge); // what the merge will write
  const { shard } = inputs;
  const compiled = compileScenario(s);
  const blockCount = planBlocks(s.patients).length;
  const mine = shardBlocks(blockCount, shard.index, shard.count);
  checkPartialSize(`shard ${shard.index}/${shard.count}`, mine.length, compiled.layout.length, inputs.allowLarge);
  const folder = inputs.checkpoint ? `${checkpointFolder(inputs.out, s)}-shard-${shard.index}-of-${shard.count}` : undefined;
  const run = await runBlockSet(s, compiled, mine, engine, ctx, folder);
  if (run.kind === 'stopped') return run;
  const partial = makePartial({
    engineVersion: ENGINE_VERSION,
    engineFingerprint: engineFingerprint(),
    scenarioHash: scenarioHash(s),
    seed: s.seed,
    patients: s.patients,
    blockSize: BLOCK_SIZE,
    blockCount,
    layoutLength: compiled.layout.length,
    shard,
    workers: engine.workers,
    scenario: s,
  }, run.blocks);
  const file = partialPath(inputs.out, s, shard);
  writeFileAtomic(file, jsonChunks(partial));
  run.finish();
  return { kind: 'done', scenario: s, file, blocks: mine.length, blockCount };
}

export type CheckpointOutcome =
  | { kind: 'done'; scenario: Scenario; result: RunResult; folder: string }
  | Stopped;

/**
 * A run that saves each completed block under `<out>/<scenario>/.checkpoint-*`
 * and, started again with the same inputs, simulates only the missing ones.
 * When `ctx.shouldStop` turns true no more blocks are launched; blocks in
 * flight are saved. Once the results folder is written the checkpoint is removed.
 */
export async function runWithCheckpoint(
  inputs: ScenarioInputs & { out: string }, engine: Engine, ctx: AppContext,
): Promise<CheckpointOutcome> {
  const s = resolveScenario(inputs);
  warnIfUncalibrated(s, ctx);
  checkResultsFolder(inputs.out, s.name);
  checkRunOutput(s, ctx.command, inputs.allowLarge);
  const compiled = compileScenario(s);
  const all = planBlocks(s.patients).map((b) => b.index);
  const run = await runBlockSet(s, compiled, all, engine, ctx, checkpointFolder(inputs.out, s));
  if (run.kind === 'stopped') return run;
  const result = summarizeRun(s, compiled, mergeBlocks(compiled, run.blocks), { workers: engine.workers, engineVersion: ENGINE_VERSION });
  const folder = await writeRun(inputs.out, s, result, ctx.command);
  run.finish();
  return { kind: 'done', scenario: s, result, folder };
}

/**
 * Simulate the `wanted` blocks. With a checkpoint `folder`, each block is saved
 * there as it completes and blocks saved by an earlier attempt are not
 * simulated again; `finish` removes the checkpoint once the caller has written
 * its result.
 */
async function runBlockSet(
  s: Scenario, compiled: CompiledScenario, wanted: number[], engine: Engine, ctx: AppContext, folder?: string,
): Promise<{ kind: 'done'; blocks: Map<number, BlockAggregates>; finish: () => void } | Stopped> {
  const total = wanted.reduce((a, b) => a + patientsOf(s, b), 0);
  const blocks = new Map<number, BlockAggregates>();
  let cp: Checkpoint | undefined;
  let where = '';
  if (folder !== undefined) {
    cp = new Checkpoint(folder, compiled.layout.length, planBlocks(s.patients).length);
    where = (ctx.showPath ?? ((p: string) => p))(cp.folder);
    const mine = new Set(wanted);
    const saved = cp.load();
    // A saved block is used only when its checksum matched and its aggregates are possible; else it is recomputed.
    const bad = saved.bad.filter((b) => mine.has(b.index));
    for (const [index, data] of saved.blocks) {
      if (!mine.has(index)) continue;
      const problem = blockProblem(compiled, data, patientsOf(s, index));
      if (problem) bad.push({ index, reason: problem });
      else blocks.set(index, data);
    }
    for (const b of bad.sort((x, y) => x.index - y.index)) ctx.log?.(`warning: checkpoint block ${b.index} in ${where} is not usable (${b.reason}): recomputing it`);
    cp.open(s);
    if (blocks.size > 0) ctx.log?.(`resuming: ${blocks.size} of ${wanted.length} blocks already saved in ${where}`);
  }
  let done = wanted.reduce((a, b) => a + (blocks.has(b) ? patientsOf(s, b) : 0), 0);
  const missing = wanted.filter((b) => !blocks.has(b));
  let unsaved = 0;
  await engine.runBlocks(compiled, missing, (index, out) => {
    if (cp && !cp.save(index, out)) unsaved++;
    blocks.set(index, out);
    done += patientsOf(s, index);
    ctx.onProgress?.(done, total);
  }, cp ? ctx.shouldStop : undefined);
  // Another run of the same scenario may empty the folder at the moment a block is saved: the block is in memory.
  if (unsaved > 0) ctx.log?.(`warning: ${unsaved} block(s) could not be saved in ${where} (another run of the same scenario is using it?); the results are not affected`);
  if (blocks.size < wanted.length) return { kind: 'stopped', saved: blocks.size, blockCount: wanted.length, checkpoint: where };
  return {
    kind: 'done', blocks,
    finish: () => {
      if (cp && !cp.remove()) ctx.log?.(`warning: could not remove the checkpoint ${where} (another run of the same scenario is saving there); delete it when no run uses it`);
    },
  };
}
