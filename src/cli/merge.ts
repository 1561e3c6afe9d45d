// `jaksim merge`: partial results of the shards of one run -> the run's results, byte-identical to a single-machine run.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Argv } from 'yargs';
import { mergeBlocks } from '../engine/pool.js';
import { BLOCK_SIZE, planBlocks } from '../engine/runBlock.js';
import { summarizeRun } from '../engine/summarize.js';
import { UserError } from '../io/errors.js';
import { PARTIAL_MAX_BYTES, findShardFolders, listPartialFiles, readPartial, scenarioHash, type PartialResult } from '../io/partial.js';
import { runReportHtml } from '../io/report.js';
import { writeRunResults } from '../io/results.js';
import { validateScenario } from '../io/scenario.js';
import { formatRunTable } from '../io/table.js';
import { compileScenario } from '../model/compile.js';
import { ENGINE_VERSION } from '../version.js';
import { writeSweepResults } from './sweep.js';
import { isSweepShardFolder, mergeSweepFolder } from './sweepShard.js';

export interface MergeArgs {
  partials: string[];
  out: string;
  json: boolean;
  allowLarge: boolean;
}

/** yargs options of `merge <partials..>`. */
export function withMergeOptions<T>(y: Argv<T>) {
  return y
    .positional('partials', { type: 'string', array: true, demandOption: true, describe: 'partial result files (*.partial.json), folders holding them, one sweep-shards-* folder, or the --out folder the shards were given' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' })
    .option('allow-large', { type: 'boolean', default: false, describe: `read partial files over ${PARTIAL_MAX_BYTES / 1024 / 1024} MiB, and scenarios beyond the limits of run --allow-large` });
}

/** Check that the partials are shards of one run and cover every block exactly once; merge in block order. */
export function mergePartials(files: string[], maxBytes = PARTIAL_MAX_BYTES, allowLarge = false) {
  if (files.length === 0) throw new UserError('merge: no partial files given');
  const read = files.map((file) => ({ file, ...readPartial(file, maxBytes) }));
  const first = read[0];
  const p0: PartialResult = first.partial;
  for (const r of read) {
    const p = r.partial;
    if (p.engineVersion !== ENGINE_VERSION) {
      throw new UserError(`${r.file}: written by engine ${p.engineVersion}, but this is engine ${ENGINE_VERSION}; run every shard and the merge with one version`);
    }
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
  const acc = mergeBlocks(compiled, blocks);
  const result = summarizeRun(scenario, compiled, acc, { workers: p0.workers, engineVersion: ENGINE_VERSION });
  return { scenario, result };
}

/** The exact command that merges the shards writing into `folder` (printed by each shard). */
export function mergeCommandFor(folder: string, outRoot: string, allowLarge: boolean): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
  return ['npx', 'jaksim', 'merge', folder, '--out', outRoot, ...(allowLarge ? ['--allow-large'] : [])].map(quote).join(' ');
}

/**
 * A folder holding neither partial files nor a sweep header (the --out folder
 * the shards were given, or its <scenario> folder) stands for the one shard
 * folder in it; other paths are kept as given.
 */
function findShards(path: string): string {
  let entries: string[];
  try {
    if (!statSync(path).isDirectory() || isSweepShardFolder(path)) return path;
    entries = readdirSync(path);
  } catch {
    return path; // listPartialFiles names what is wrong with it
  }
  if (entries.some((f) => f.endsWith('.partial.json'))) return path;
  const found = findShardFolders(path);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new UserError(`${path}: no partial results: no *.partial.json files, and no shards-*/ or sweep-shards-*/ folder in it or in its scenario folders`);
  }
  throw new UserError(`${path} holds the shards of ${found.length} runs or sweeps (${found.slice(0, 4).join(', ')}${found.length > 4 ? ', ...' : ''}); give the one to merge`);
}

export async function mergeCommand(args: MergeArgs, out: (t: string) => void): Promise<number> {
  const maxBytes = args.allowLarge ? Number.MAX_SAFE_INTEGER : PARTIAL_MAX_BYTES;
  const paths = args.partials.map(String).map(findShards);
  const sweeps = paths.filter(isSweepShardFolder);
  if (sweeps.length > 0) {
    if (paths.length !== 1) throw new UserError('merge: give one folder of sweep shards (sweep-shards-*) on its own');
    const { base, sweep } = mergeSweepFolder(sweeps[0], maxBytes, args.allowLarge);
    return writeSweepResults(args.out, base, sweep, args.json, out);
  }
  const files = listPartialFiles(paths);
  const { scenario, result } = mergePartials(files, maxBytes, args.allowLarge);
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const report = await runReportHtml(result, scenario, command);
  const folder = writeRunResults(args.out, scenario, result, command, undefined, { 'report.html': report });
  if (args.json) {
    out(JSON.stringify(result));
  } else {
    out(formatRunTable(result));
    out(`\nMerged ${files.length} partial result(s).\nResults: ${relative(process.cwd(), folder) || folder}`);
    out(`Report: ${relative(process.cwd(), join(folder, 'report.html'))}`);
  }
  return 0;
}
