// Sharded sweeps: the work units (grid point, block) numbered across the grid, dealt to shards; merged point by point.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { shardBlocks } from '../engine/blocks.js';
import type { Engine } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks } from '../engine/runBlock.js';
import { writeFileAtomic } from '../io/atomic.js';
import { UserError } from '../io/errors.js';
import { canonicalJson, documentHash, scenarioHash } from '../io/hash.js';
import { decodeUtf8, readInputFile } from '../io/inputFile.js';
import { parseJson } from '../io/jsonText.js';
import { jsonChunks } from '../io/jsonStream.js';
import { PARTIAL_MAX_BYTES, checkPartialSize, listPartialFiles, makePartial } from '../io/partialFile.js';
import { validateScenario } from '../io/scenario.js';
import { scenarioFolder, writeSweepResults } from '../io/results.js';
import type { SweepParameter, SweepResult } from '../io/sweepResults.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION, engineFingerprint } from '../version.js';
import type { AppContext } from './context.js';
import { engineMismatch, mergePartials } from './merge.js';
import { checkResultsFolder } from './run.js';
import type { Shard } from './shards.js';
import { expandGrid, type GridPoint } from './sweepGrid.js';

export const SWEEP_HEADER = 'sweep.json';
/** Largest sweep header read (bytes): it holds the base scenario and a hash per grid point. */
const SWEEP_HEADER_MAX_BYTES = 16 * 1024 * 1024;
const SWEEP_FORMAT = 'jaksim-sweep-shards';

/** The sweep's description, written by every shard (identical text) next to the per-point partials. */
interface SweepHeader {
  format: typeof SWEEP_FORMAT;
  formatVersion: 2;
  engineVersion: string;
  engineFingerprint: string;
  shardCount: number;
  base: Scenario;
  parameters: SweepParameter[];
  points: { index: number; values: Record<string, unknown>; scenarioHash: string }[];
}

const headerSchema = z.strictObject({
  format: z.literal(SWEEP_FORMAT),
  formatVersion: z.literal(2),
  engineVersion: z.string().min(1).max(100),
  engineFingerprint: z.string().min(1).max(100),
  shardCount: z.number().int().min(1).max(1_000_000),
  base: z.record(z.string(), z.unknown()),
  parameters: z.array(z.strictObject({ path: z.string().min(1).max(500), values: z.array(z.unknown()).min(1) })).min(1),
  points: z.array(z.strictObject({ index: z.number().int().min(0), values: z.record(z.string(), z.unknown()), scenarioHash: z.string().regex(/^[0-9a-f]{64}$/) })).min(1),
});

/** `<out>/<scenario>/sweep-shards-<hash12>/`: sweep.json and `point-<g>/shard-<i>-of-<n>.partial.json`. */
export function sweepShardFolder(outRoot: string, base: Scenario, parameters: SweepParameter[]): string {
  const hash = documentHash({ base, parameters }).slice(0, 12);
  return join(scenarioFolder(outRoot, base.name), `sweep-shards-${hash}`);
}

const pointDir = (folder: string, index: number, total: number) => join(folder, `point-${String(index).padStart(String(total - 1).length, '0')}`);

/**
 * Simulate shard i of n of a sweep: unit u (the units are the blocks of grid
 * point 0, then those of point 1, ...) belongs to shard (u mod n) + 1. Writes a
 * partial result per grid point (possibly with no blocks) and the sweep header.
 */
export async function runSweepShard(
  base: Scenario, parameters: SweepParameter[], grid: GridPoint[], shard: Shard, outRoot: string, engine: Engine, ctx: AppContext,
): Promise<{ folder: string; units: number; totalUnits: number }> {
  const folder = sweepShardFolder(outRoot, base, parameters);
  const header: SweepHeader = {
    format: SWEEP_FORMAT, formatVersion: 2, engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), shardCount: shard.count, base, parameters,
    points: grid.map((p) => ({ index: p.index, values: p.values, scenarioHash: scenarioHash(p.scenario) })),
  };
  const plans = grid.map((p) => planBlocks(p.scenario.patients));
  const totalUnits = plans.reduce((a, p) => a + p.length, 0);
  // Every point's partial file within what merge reads, before anything runs.
  let offset = 0;
  for (const point of grid) {
    const plan = plans[point.index];
    const mine = shardBlocks(plan.length, shard.index, shard.count, offset).length;
    checkPartialSize(`sweep point ${point.index}, shard ${shard.index}/${shard.count}`, mine, compileScenario(point.scenario).layout.length);
    offset += plan.length;
  }
  writeFileAtomic(join(folder, SWEEP_HEADER), `${JSON.stringify(header)}\n`);
  offset = 0;
  let units = 0;
  for (const point of grid) {
    const s = point.scenario;
    const compiled = compileScenario(s);
    const plan = plans[point.index];
    const mine = shardBlocks(plan.length, shard.index, shard.count, offset);
    const blocks = new Map<number, Float64Array>();
    await engine.runBlocks(compiled, mine, (index, out) => {
      blocks.set(index, out);
      ctx.onProgress?.(++units, totalUnits);
    });
    const partial = makePartial({
      engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), scenarioHash: scenarioHash(s), seed: s.seed, patients: s.patients,
      blockSize: BLOCK_SIZE, blockCount: plan.length, layoutLength: compiled.layout.length, shard,
      blockOffset: offset, workers: engine.workers, scenario: s,
    }, blocks);
    writeFileAtomic(join(pointDir(folder, point.index, grid.length), `shard-${shard.index}-of-${shard.count}.partial.json`), jsonChunks(partial));
    offset += plan.length;
  }
  return { folder, units, totalUnits };
}

/** Is `path` a folder of sweep shards (holding sweep.json)? */
export function isSweepShardFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, SWEEP_HEADER));
  } catch {
    return false;
  }
}

/** Merge a folder of sweep shards: checks the header against the grid it describes, then merges each point's partials. */
export function mergeSweepFolder(folder: string, maxBytes: number, allowLarge = false): { base: Scenario; sweep: SweepResult } {
  const file = join(folder, SWEEP_HEADER);
  const bad = (what: string): never => {
    throw new UserError(`${file}: not a valid sweep header: ${what}`);
  };
  const json = parseJson(decodeUtf8(readInputFile(file, { expected: 'a sweep header written by jaksim sweep --shard', maxBytes: SWEEP_HEADER_MAX_BYTES }), file));
  if (!json.ok) return bad(json.reason);
  const doc = json.doc;
  const parsed = headerSchema.safeParse(doc);
  if (!parsed.success) bad(`${parsed.error.issues[0].path.join('.') || '(top level)'}: ${parsed.error.issues[0].message.slice(0, 160)}`);
  const header = parsed.data as unknown as SweepHeader;
  const mismatch = engineMismatch(header);
  if (mismatch) throw new UserError(`${file}: ${mismatch}`);
  const base = validateScenario(header.base, `${file} (base scenario)`, { allowLarge });
  if (canonicalJson(base) !== canonicalJson(header.base)) bad('the base scenario is not a resolved scenario');
  const grid = expandGrid(base, file, header.parameters, { allowLarge });
  if (grid.length !== header.points.length || grid.some((p, i) => scenarioHash(p.scenario) !== header.points[i].scenarioHash)) {
    bad('its grid points do not match its base scenario and parameters');
  }
  const points: SweepResult['points'] = [];
  for (const [i, point] of header.points.entries()) {
    const dir = pointDir(folder, i, header.points.length);
    if (!existsSync(dir)) throw new UserError(`${folder}: sweep point ${i} has no partial results: no shard of ${header.shardCount} was given`);
    let merged: ReturnType<typeof mergePartials>;
    try {
      merged = mergePartials(listPartialFiles([dir]), maxBytes, allowLarge);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`sweep point ${i}: ${err.message}`);
      throw err;
    }
    const { scenario, result } = merged;
    if (scenarioHash(scenario) !== point.scenarioHash) throw new UserError(`${dir}: the partial results are of another scenario than sweep point ${i}`);
    points.push({ index: i, values: point.values, result });
  }
  const sweep: SweepResult = {
    scenario: header.base.name, seed: header.base.seed, patients: header.base.patients, engineVersion: ENGINE_VERSION,
    parameters: header.parameters, points,
  };
  return { base: header.base, sweep };
}

/** `jaksim merge` of one folder of sweep shards: the sweep's results folder. */
export async function mergeSweep(
  inputs: { folder: string; out: string; allowLarge?: boolean }, ctx: AppContext,
): Promise<{ base: Scenario; sweep: SweepResult; folder: string }> {
  const maxBytes = inputs.allowLarge ? Number.MAX_SAFE_INTEGER : PARTIAL_MAX_BYTES;
  const { base, sweep } = mergeSweepFolder(inputs.folder, maxBytes, inputs.allowLarge);
  checkResultsFolder(inputs.out, base.name);
  return { base, sweep, folder: await writeSweepResults(inputs.out, base, sweep, ctx.command) };
}
