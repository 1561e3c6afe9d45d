// `jaksim merge`: partial results of the shards of one run -> the run's results, byte-identical to a single-machine run.
import { blockProblem } from '../engine/blockCheck.js';
import { mergeBlocks } from '../engine/blocks.js';
import { BLOCK_SIZE, planBlocks } from '../engine/runBlock.js';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { UserError } from '../io/errors.js';
import { scenarioHash } from '../io/hash.js';
import { PARTIAL_MAX_BYTES, listPartialFiles, readPartial, type PartialResult } from '../io/partialFile.js';
import { validateScenario } from '../io/scenario.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { engineMismatch } from './engineCheck.js';

export { engineMismatch };
import { isPredictBatchPartial, mergePredictBatch, type PredictMergeOutcome } from './predictBatch.js';
import { checkResultsFolder, writeRun } from './run.js';

/** Check that the partials are shards of one run and cover every block exactly once; merge in block order. */
export function mergePartials(files: string[], maxBytes = PARTIAL_MAX_BYTES, allowLarge = false): { scenario: Scenario; result: RunResult } {
  return mergeReadPartials(readPartials(files, maxBytes), allowLarge);
}

type ReadPartial = ReturnType<typeof readPartial> & { file: string };

function readPartials(files: string[], maxBytes: number): ReadPartial[] {
  if (files.length === 0) throw new UserError('merge: no partial files given');
  return files.map((file) => ({ file, ...readPartial(file, maxBytes) }));
}

function mergeReadPartials(read: ReadPartial[], allowLarge: boolean): { scenario: Scenario; result: RunResult } {
  const first = read[0];
  const p0: PartialResult = first.partial;
  for (const r of read) {
    const p = r.partial;
    const mismatch = engineMismatch(p);
    if (mismatch) throw new UserError(`${r.file}: ${mismatch}; run every shard and the merge with one build of the same code`);
    const diffs: string[] = [];
    if (p.scenarioHash !== p0.scenarioHash) diffs.push(`scenario (hash ${p.scenarioHash.slice(0, 12)} vs ${p0.scenarioHash.slice(0, 12)})`);
    if (p.seed !== p0.seed) diffs.push(`seed (${p.seed} vs ${p0.seed})`);
    if (p.patients !== p0.patients) diffs.push(`patients (${p.patients} vs ${p0.patients})`);
    if (p.blockSize !== p0.blockSize || p.blockCount !== p0.blockCount || p.layoutLength !== p0.layoutLength) diffs.push('block layout');
    if (p.shard.count !== p0.shard.count || (p.blockOffset ?? 0) !== (p0.blockOffset ?? 0)) diffs.push(`shard count (${p.shard.count} vs ${p0.shard.count})`);
    if (diffs.length > 0) throw new UserError(`${r.file} and ${first.file} are not shards of the same run: they differ in ${diffs.join(', ')}`);
  }
  if (p0.blockSize !== BLOCK_SIZE) throw new UserError(`${first.file}: block size ${p0.blockSize}, but this engine uses ${BLOCK_SIZE}`);
  // Validate (a partial file is user input), then use the stored document itself so that the
  // merged summary.json holds the scenario with the same key order as a single run's.
  const validated = validateScenario(p0.scenario, `${first.file} (scenario)`, { allowLarge });
  if (scenarioHash(validated) !== p0.scenarioHash || scenarioHash(p0.scenario) !== p0.scenarioHash) {
    throw new UserError(`${first.file}: the scenario does not match its hash`);
  }
  const scenario = p0.scenario;
  if (scenario.seed !== p0.seed || scenario.patients !== p0.patients) {
    throw new UserError(`${first.file}: seed ${p0.seed} and patients ${p0.patients} do not match its scenario's (${scenario.seed}, ${scenario.patients})`);
  }
  const compiled = compileScenario(scenario);
  const plan = planBlocks(scenario.patients);
  if (plan.length !== p0.blockCount || compiled.layout.length !== p0.layoutLength) {
    throw new UserError(`${first.file}: ${p0.blockCount} blocks of ${p0.layoutLength} numbers, but the scenario gives ${plan.length} of ${compiled.layout.length}`);
  }

  const owner = new Map<number, string>();
  const blocks = new Map<number, Float64Array>();
  for (const r of read) {
    for (const [index, data] of r.blocks) {
      const before = owner.get(index);
      const shard = `shard ${r.partial.shard.index}/${r.partial.shard.count}`;
      if (before !== undefined) throw new UserError(`block ${index} is covered twice: by ${before} and by ${r.file} (${shard}); give each shard once`);
      owner.set(index, `${r.file} (${shard})`);
      blocks.set(index, data);
    }
  }
  const missing = plan.filter((b) => !blocks.has(b.index)).map((b) => b.index);
  if (missing.length > 0) {
    const n = p0.shard.count;
    const offset = p0.blockOffset ?? 0;
    const shards = [...new Set(missing.map((b) => ((offset + b) % n) + 1))].sort((a, b) => a - b);
    const covered = new Set(read.filter((r) => r.partial.shard.count === n).map((r) => r.partial.shard.index));
    const absent = shards.filter((s) => !covered.has(s));
    throw new UserError(`${missing.length} of ${plan.length} blocks are missing (blocks ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''})`
      + (absent.length > 0 ? `: shard${absent.length > 1 ? 's' : ''} ${absent.slice(0, 8).map((s) => `${s}/${n}`).join(', ')}${absent.length > 8 ? ', ...' : ''} not given` : ''));
  }
  // The checksum guards against damage, not forgery: every block's aggregates must also be possible.
  for (const b of plan) {
    const problem = blockProblem(compiled, blocks.get(b.index)!, b.size);
    if (problem) throw new UserError(`${owner.get(b.index)}: block ${b.index} holds impossible aggregates (${problem}); the file was altered or not written by jaksim`);
  }
  const acc = mergeBlocks(compiled, blocks);
  const result = summarizeRun(scenario, compiled, acc, { workers: p0.workers, engineVersion: ENGINE_VERSION });
  return { scenario, result };
}

export interface MergeOutcome { kind: 'run'; scenario: Scenario; result: RunResult; folder: string; files: number }

/** `jaksim merge` of a run's partial files (or folders of them): the run's results folder; a predict batch's: its predictions.csv. */
export async function mergeRun(
  inputs: { partials: string[]; out: string; allowLarge?: boolean }, ctx: AppContext,
): Promise<MergeOutcome | PredictMergeOutcome> {
  const maxBytes = inputs.allowLarge ? Number.MAX_SAFE_INTEGER : PARTIAL_MAX_BYTES;
  const files = listPartialFiles(inputs.partials);
  const read = readPartials(files, maxBytes);
  if (read.some((r) => isPredictBatchPartial(r.partial))) return mergePredictBatch(read, inputs.out);
  const { scenario, result } = mergeReadPartials(read, inputs.allowLarge ?? false);
  checkResultsFolder(inputs.out, scenario.name);
  return { kind: 'run', scenario, result, folder: await writeRun(inputs.out, scenario, result, ctx.command), files: files.length };
}
