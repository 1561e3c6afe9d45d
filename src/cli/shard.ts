// `run --shard i/n` (a partial result of some blocks) and `run --checkpoint` (resumable): the engine's block subsets.
import { join, relative } from 'node:path';
import { Engine, mergeBlocks, type Progress } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks } from '../engine/runBlock.js';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { Checkpoint, checkpointFolder } from '../io/checkpoint.js';
import { makePartial, parseShard, scenarioHash, shardBlocks, writeFileAtomic } from '../io/partial.js';
import { scenarioFolder } from '../io/results.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';

/** Exit codes after a signal stopped a checkpointed run (128 + signal number, as shells report). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Where shard i of n writes: `<out>/<scenario>/shards-<hash12>/shard-<i>-of-<n>.partial.json`. */
export function partialPath(outRoot: string, s: Scenario, index: number, count: number): string {
  const width = String(count).length;
  return join(scenarioFolder(outRoot, s.name), `shards-${scenarioHash(s).slice(0, 12)}`,
    `shard-${String(index).padStart(width, '0')}-of-${count}.partial.json`);
}

/**
 * Simulate the blocks of shard `shardText` ("i/n") and write their aggregates
 * as a partial result; returns its path. Block b belongs to shard (b mod n) + 1.
 */
export async function runShard(
  s: Scenario, shardText: string, workers: number, outRoot: string, onProgress?: Progress,
): Promise<{ file: string; blocks: number; blockCount: number }> {
  const shard = parseShard(shardText);
  const compiled = compileScenario(s);
  const blockCount = planBlocks(s.patients).length;
  const mine = shardBlocks(blockCount, shard.index, shard.count);
  const blocks = new Map<number, Float64Array>();
  const engine = new Engine({ workers });
  let done = 0;
  const patientsOf = (b: number) => Math.min(BLOCK_SIZE, s.patients - b * BLOCK_SIZE);
  const total = mine.reduce((a, b) => a + patientsOf(b), 0);
  try {
    await engine.runBlocks(compiled, mine, (index, out) => {
      blocks.set(index, out);
      done += patientsOf(index);
      onProgress?.(done, total);
    });
  } finally {
    await engine.close();
  }
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
  const file = partialPath(outRoot, s, shard.index, shard.count);
  writeFileAtomic(file, JSON.stringify(partial));
  return { file, blocks: mine.length, blockCount };
}

export type CheckpointOutcome =
  | { kind: 'done'; result: RunResult; finish: () => void }
  | { kind: 'stopped'; exitCode: number; message: string };

/**
 * A run that saves each completed block under `<out>/<scenario>/.checkpoint-*`
 * and, started again with the same command, simulates only the missing ones.
 * SIGINT or SIGTERM stop launching blocks; blocks in flight are saved. After
 * the results are written, call `finish` to remove the checkpoint.
 */
export async function runWithCheckpoint(
  s: Scenario, workers: number, outRoot: string, onProgress?: Progress, onNote?: (text: string) => void,
): Promise<CheckpointOutcome> {
  const compiled = compileScenario(s);
  const plan = planBlocks(s.patients);
  const cp = new Checkpoint(checkpointFolder(outRoot, s), compiled.layout.length, plan.length);
  const saved = cp.load();
  cp.open(s);
  const where = relative(process.cwd(), cp.folder) || cp.folder;
  if (saved.size > 0) onNote?.(`resuming: ${saved.size} of ${plan.length} blocks already saved in ${where}`);
  let done = plan.reduce((a, b) => a + (saved.has(b.index) ? b.size : 0), 0);
  const missing = plan.filter((b) => !saved.has(b.index)).map((b) => b.index);

  let signal: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    // A second signal means "now": the saved blocks are safe (each file is renamed into place).
    if (signal !== null) process.exit(SIGNAL_EXIT[sig] ?? 130);
    signal = sig;
    onNote?.(`${sig}: finishing the blocks in flight and saving them (signal again to stop at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const engine = new Engine({ workers });
  try {
    await engine.runBlocks(compiled, missing, (index, out) => {
      cp.save(index, out);
      saved.set(index, out);
      done += plan[index].size;
      onProgress?.(done, s.patients);
    }, () => signal !== null);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
  if (saved.size < plan.length) {
    const sig = signal ?? 'SIGINT';
    return {
      kind: 'stopped',
      exitCode: SIGNAL_EXIT[sig] ?? 130,
      message: `${sig}: stopped after ${saved.size} of ${plan.length} blocks (saved in ${where}); run the same command again to resume`,
    };
  }
  const acc = mergeBlocks(compiled, saved);
  const result = summarizeRun(s, compiled, acc, { workers: engine.workers, engineVersion: ENGINE_VERSION });
  return { kind: 'done', result, finish: () => cp.remove() };
}
