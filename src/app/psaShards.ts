// Sharded PSAs: `psa --shard i/n` simulates the (run, block) units u with u mod n = i - 1 and writes them as a
// partial result (io/partialFile.ts format, the units as its blocks); `psa --merge <folder>` checks and reads them.
import { join } from 'node:path';
import type { Engine } from '../engine/pool.js';
import { BLOCK_SIZE, type BlockAggregates } from '../engine/runBlock.js';
import { writeFileAtomic } from '../io/atomic.js';
import { jsonChunks } from '../io/jsonStream.js';
import { UserError } from '../io/errors.js';
import { PARTIAL_MAX_BYTES, listPartialFiles, makePartial, readPartial, type PsaShardAnalysis } from '../io/partialFile.js';
import { scenarioFolder } from '../io/results.js';
import type { CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION, engineFingerprint } from '../version.js';
import type { AppContext } from './context.js';
import { simulateUnits, unitLayout } from './psaRuns.js';
import type { Shard } from './shards.js';

/** `<out>/<scenario>/psa-shards-<hash12>/`: where the shards of one analysis write. */
export function psaShardFolder(outRoot: string, s: Scenario, hash: string): string {
  return join(scenarioFolder(outRoot, s.name), `psa-shards-${hash.slice(0, 12)}`);
}

/** Simulate one shard's units and write them; returns the file and how many units it holds. */
export async function runPsaShard(
  compiled: readonly CompiledScenario[], s: Scenario, hash: string, shard: Shard, outRoot: string, engine: Engine, ctx: AppContext,
  analysis: PsaShardAnalysis,
): Promise<{ file: string; units: number; totalUnits: number }> {
  const { units } = unitLayout(compiled);
  const mine = (u: number) => u % shard.count === shard.index - 1;
  const blocks = new Map<number, BlockAggregates>();
  await simulateUnits(compiled, engine, ctx, { wanted: mine, onUnit: (u, out) => blocks.set(u, out) });
  const partial = makePartial({
    engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), scenarioHash: hash, seed: s.seed, patients: s.patients, blockSize: BLOCK_SIZE,
    blockCount: units, layoutLength: compiled[0].layout.length, shard, workers: engine.workers, analysis, scenario: s,
  }, blocks);
  const width = String(shard.count).length;
  const file = join(psaShardFolder(outRoot, s, hash), `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}.partial.json`);
  writeFileAtomic(file, jsonChunks(partial)); // in pieces: a partial can outgrow one string
  return { file, units: blocks.size, totalUnits: units };
}

/**
 * Every unit of the analysis `hash` from the partial files in `paths`
 * (files or folders), each exactly once. @throws UserError naming the file
 * of another analysis or engine, a unit covered twice, or the shards missing.
 */
export function readPsaShards(paths: string[], hash: string, units: number, allowLarge = false, sameFlags = false): Map<number, BlockAggregates> {
  const files = listPartialFiles(paths);
  const out = new Map<number, BlockAggregates>();
  const from = new Map<number, string>();
  let count = 0;
  let firstAnalysis: PsaShardAnalysis | undefined;
  for (const file of files) {
    const { partial, blocks } = readPartial(file, allowLarge ? Number.MAX_SAFE_INTEGER : PARTIAL_MAX_BYTES);
    if (partial.engineVersion !== ENGINE_VERSION) throw new UserError(`${file}: written by engine ${partial.engineVersion}, but this is engine ${ENGINE_VERSION}`);
    if (partial.scenarioHash !== hash || partial.blockCount !== units) {
      throw new UserError(`${file}: a shard of another analysis (its scenario, draws, patients per draw or seed differ from this command's)`);
    }
    if (sameFlags && JSON.stringify(partial.analysis) !== JSON.stringify(firstAnalysis ??= partial.analysis)) {
      throw new UserError(`${file} and ${files[0]} are not shards of the same PSA: they were started with different psa flags or scenario files`);
    }
    count = partial.shard.count;
    for (const [u, data] of blocks) {
      if (from.has(u)) throw new UserError(`unit ${u} is covered twice: by ${from.get(u)} and by ${file}; give each shard once`);
      from.set(u, file);
      out.set(u, data);
    }
  }
  if (out.size < units) {
    const missing = new Set<number>();
    for (let u = 0; u < units; u++) if (!out.has(u)) missing.add(count > 0 ? (u % count) + 1 : 0);
    throw new UserError(`${units - out.size} of ${units} (draw, block) units are missing: shard${missing.size > 1 ? 's' : ''} ${[...missing].slice(0, 8).map((i) => `${i}/${count}`).join(', ')} not given`);
  }
  return out;
}

/**
 * The `psa` command behind the PSA shards in `paths` (files or folders), for `jaksim merge`, read from the first
 * partial; null when they are not PSA shards. readPsaShards(..., sameFlags) checks that the others agree.
 */
export function psaShardAnalysis(paths: string[], allowLarge = false): PsaShardAnalysis | null {
  const first = listPartialFiles(paths)[0];
  return readPartial(first, allowLarge ? Number.MAX_SAFE_INTEGER : PARTIAL_MAX_BYTES).partial.analysis ?? null;
}
