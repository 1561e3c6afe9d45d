// `run --shard i/n` (a partial result of some blocks) and `run --checkpoint` (resumable): the engine's block subsets.
import { join, relative } from 'node:path';
import { Engine, mergeBlocks, type Progress } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks } from '../engine/runBlock.js';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { Checkpoint, checkpointFolder } from '../io/checkpoint.js';
import { makePartial, parseShard, scenarioHash, shardBlocks, writeFileAtomic } from '../io/partial.js';
import { scenarioFolder } from '../io/results.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
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

type Stopped = { kind: 'stopped'; exitCode: number; message: string };

export type ShardOutcome =
  | { kind: 'done'; file: string; blocks: number; blockCount: number }
  | Stopped;

/**
 * Simulate the blocks of shard `shardText` ("i/n") and write their aggregates
 * as a partial result; returns its path. Block b belongs to shard (b mod n) + 1.
 * With `checkpoint`, the shard's blocks are saved as they complete (in a folder
 * of its own) and the same command resumes a killed shard.
 */
export async function runShard(
  s: Scenario, shardText: string, workers: number, outRoot: string, onProgress?: Progress,
  checkpoint?: { onNote?: (text: string) => void },
): Promise<ShardOutcome> {
  const shard = parseShard(shardText);
  const compiled = compileScenario(s);
  const blockCount = planBlocks(s.patients).length;
  const mine = shardBlocks(blockCount, shard.index, shard.count);
  let blocks = new Map<number, Float64Array>();
  let usedWorkers: number;
  let finish = () => {};
  if (checkpoint) {
    const folder = `${checkpointFolder(outRoot, s)}-shard-${shard.index}-of-${shard.count}`;
    const run = await runCheckpointed(s, compiled, mine, folder, workers, onProgress, checkpoint.onNote);
    if (run.kind === 'stopped') return run;
    ({ blocks, workers: usedWorkers, finish } = run);
  } else {
    const engine = new Engine({ workers });
    let done = 0;
    const total = mine.reduce((a, b) => a + patientsOf(s, b), 0);
    try {
      await engine.runBlocks(compiled, mine, (index, out) => {
        blocks.set(index, out);
        done += patientsOf(s, index);
        onProgress?.(done, total);
      });
    } finally {
      await engine.close();
    }
    usedWorkers = engine.workers;
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
    workers: usedWorkers,
    scenario: s,
  }, blocks);
  const file = partialPath(outRoot, s, shard.index, shard.count);
  writeFileAtomic(file, JSON.stringify(partial));
  finish();
  return { kind: 'done', file, blocks: mine.length, blockCount };
}

const patientsOf = (s: Scenario, b: number) => Math.min(BLOCK_SIZE, s.patients - b * BLOCK_SIZE);

export type CheckpointOutcome =
  | { kind: 'done'; result: RunResult; finish: () => void }
  | Stopped;

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
  const all = planBlocks(s.patients).map((b) => b.index);
  const run = await runCheckpointed(s, compiled, all, checkpointFolder(outRoot, s), workers, onProgress, onNote);
  if (run.kind === 'stopped') return run;
  const acc = mergeBlocks(compiled, run.blocks);
  const result = summarizeRun(s, compiled, acc, { workers: run.workers, engineVersion: ENGINE_VERSION });
  return { kind: 'done', result, finish: run.finish };
}

/**
 * Simulate `wanted` blocks, saving each one in the checkpoint `folder` and
 * simulating only those not saved there yet. SIGINT or SIGTERM stop launching
 * blocks (a second one exits at once: the saved blocks are safe).
 */
async function runCheckpointed(
  s: Scenario, compiled: CompiledScenario, wanted: number[], folder: string, workers: number,
  onProgress?: Progress, onNote?: (text: string) => void,
): Promise<{ kind: 'done'; blocks: Map<number, Float64Array>; workers: number; finish: () => void } | Stopped> {
  const cp = new Checkpoint(folder, compiled.layout.length, planBlocks(s.patients).length);
  const mine = new Set(wanted);
  const saved = new Map([...cp.load()].filter(([index]) => mine.has(index)));
  cp.open(s);
  const where = relative(process.cwd(), cp.folder) || cp.folder;
  if (saved.size > 0) onNote?.(`resuming: ${saved.size} of ${wanted.length} blocks already saved in ${where}`);
  const total = wanted.reduce((a, b) => a + patientsOf(s, b), 0);
  let done = wanted.reduce((a, b) => a + (saved.has(b) ? patientsOf(s, b) : 0), 0);
  const missing = wanted.filter((b) => !saved.has(b));

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
      done += patientsOf(s, index);
      onProgress?.(done, total);
    }, () => signal !== null);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
  if (saved.size < wanted.length) {
    const sig = signal ?? 'SIGINT';
    return {
      kind: 'stopped',
      exitCode: SIGNAL_EXIT[sig] ?? 130,
      message: `${sig}: stopped after ${saved.size} of ${wanted.length} blocks (saved in ${where}); run the same command again to resume`,
    };
  }
  return { kind: 'done', blocks: saved, workers: engine.workers, finish: () => cp.remove() };
}
