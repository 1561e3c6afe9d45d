// `run --shard i/n` (a partial result of some blocks) and `run --checkpoint` (resumable): runs of block subsets.
import { join } from 'node:path';
import { mergeBlocks, shardBlocks } from '../engine/blocks.js';
import type { Engine } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks, type BlockAggregates } from '../engine/runBlock.js';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { writeFileAtomic } from '../io/atomic.js';
import { Checkpoint, checkpointFolder } from '../io/checkpoint.js';
import { scenarioHash } from '../io/hash.js';
import { makePartial } from '../io/partialFile.js';
import { scenarioFolder } from '../io/results.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { resolveScenario, writeRun, type ScenarioInputs } from './run.js';

/** Shard i of n (1-based). */
export interface Shard { index: number; count: number }

/** Where shard i of n writes: `<out>/<scenario>/shards-<hash12>/shard-<i>-of-<n>.partial.json`. */
export function partialPath(outRoot: string, s: Scenario, shard: Shard): string {
  const width = String(shard.count).length;
  return join(scenarioFolder(outRoot, s.name), `shards-${scenarioHash(s).slice(0, 12)}`,
    `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}.partial.json`);
}

export interface ShardOutcome { scenario: Scenario; file: string; blocks: number; blockCount: number }

/**
 * Simulate the blocks of one shard and write their aggregates as a partial
 * result (for `jaksim merge`). Block b belongs to shard (b mod n) + 1.
 */
export async function runShard(
  inputs: ScenarioInputs & { out: string; shard: Shard }, engine: Engine, ctx: AppContext,
): Promise<ShardOutcome> {
  const s = resolveScenario(inputs);
  const { shard } = inputs;
  const compiled = compileScenario(s);
  const blockCount = planBlocks(s.patients).length;
  const mine = shardBlocks(blockCount, shard.index, shard.count);
  const blocks = new Map<number, BlockAggregates>();
  let done = 0;
  const patientsOf = (b: number) => Math.min(BLOCK_SIZE, s.patients - b * BLOCK_SIZE);
  const total = mine.reduce((a, b) => a + patientsOf(b), 0);
  await engine.runBlocks(compiled, mine, (index, out) => {
    blocks.set(index, out);
    done += patientsOf(index);
    ctx.onProgress?.(done, total);
  });
  const partial = makePartial({
    engineVersion: ENGINE_VERSION,
    scenarioHash: scenarioHash(s),
    seed: s.seed,
    patients: s.patients,
    blockSize: BLOCK_SIZE,
    blockCount,
    layoutLength: compiled.layout.length,
    shard,
    workers: engine.workers,
    scenario: s,
  }, blocks);
  const file = partialPath(inputs.out, s, shard);
  writeFileAtomic(file, JSON.stringify(partial));
  return { scenario: s, file, blocks: mine.length, blockCount };
}

export type CheckpointOutcome =
  | { kind: 'done'; scenario: Scenario; result: RunResult; folder: string }
  | { kind: 'stopped'; saved: number; blockCount: number; checkpoint: string };

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
  const compiled = compileScenario(s);
  const plan = planBlocks(s.patients);
  const cp = new Checkpoint(checkpointFolder(inputs.out, s), compiled.layout.length, plan.length);
  const saved = cp.load();
  cp.open(s);
  const where = (ctx.showPath ?? ((p: string) => p))(cp.folder);
  if (saved.size > 0) ctx.log?.(`resuming: ${saved.size} of ${plan.length} blocks already saved in ${where}`);
  let done = plan.reduce((a, b) => a + (saved.has(b.index) ? b.size : 0), 0);
  const missing = plan.filter((b) => !saved.has(b.index)).map((b) => b.index);
  await engine.runBlocks(compiled, missing, (index, out) => {
    cp.save(index, out);
    saved.set(index, out);
    done += plan[index].size;
    ctx.onProgress?.(done, s.patients);
  }, ctx.shouldStop);
  if (saved.size < plan.length) return { kind: 'stopped', saved: saved.size, blockCount: plan.length, checkpoint: where };
  const result = summarizeRun(s, compiled, mergeBlocks(compiled, saved), { workers: engine.workers, engineVersion: ENGINE_VERSION });
  const folder = await writeRun(inputs.out, s, result, ctx.command);
  cp.remove();
  return { kind: 'done', scenario: s, result, folder };
}
