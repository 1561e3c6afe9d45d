// `jaksim merge <partials..>`: the partial results of a run's shards, or one folder of sweep shards -> results.
import { locateShards } from '../app/locateShards.js';
import { mergeRun } from '../app/merge.js';
import { runPsa } from '../app/psa.js';
import { psaShardAnalysis } from '../app/psaShards.js';
import { withEngine } from '../engine/pool.js';
import { isSweepShardFolder, mergeSweep } from '../app/sweepShards.js';
import { UserError } from '../io/errors.js';
import { jsonChunks } from '../io/jsonStream.js';
import { sweepJsonChunks } from '../io/sweepResults.js';
import type { CliContext } from './context.js';
import { printChunks, printFolder, showPath } from './print.js';
import { printPsaResult } from './psa.js';
import { formatRunTable, formatSweepTable } from './tables.js';

export interface MergeArgs {
  partials: string[];
  out: string;
  json: boolean;
  allowLarge: boolean;
}

export async function mergeCommand(args: MergeArgs, cli: CliContext): Promise<number> {
  const { io, command } = cli;
  const partials = args.partials.map(String).map(locateShards);
  const sweeps = partials.filter(isSweepShardFolder);
  if (sweeps.length > 0) {
    if (partials.length !== 1) throw new UserError('merge: give one folder of sweep shards (sweep-shards-*) on its own');
    const merged = await mergeSweep({ folder: sweeps[0], out: args.out, allowLarge: args.allowLarge }, { command });
    if (args.json) {
      printChunks(io, sweepJsonChunks(merged.base, merged.sweep, command));
    } else {
      io.out(formatSweepTable(merged.sweep));
      printFolder(io, merged.folder);
    }
    return 0;
  }
  const psa = psaShardAnalysis(partials, args.allowLarge);
  if (psa) {
    // A PSA's summaries need its plan (parameters, posterior draws): redo it from the scenario file the shards
    // ran, with their flags; the hash check in readPsaShards refuses a scenario changed since.
    const outcome = await withEngine(1, (engine) => runPsa({
      scenario: psa.scenarioFile, draws: psa.draws, patientsPerDraw: psa.patientsPerDraw, seed: psa.seed,
      decisionMonth: psa.decisionMonth, wtp: psa.wtp, out: args.out, allowLarge: args.allowLarge, merge: partials, mergeSameFlags: true,
    }, engine, { command }));
    if (outcome.kind !== 'done') throw new Error('merge: a PSA merge simulates nothing');
    printPsaResult(cli, outcome, args.json);
    return 0;
  }
  const merged = await mergeRun({ partials, out: args.out, allowLarge: args.allowLarge }, { command });
  if (merged.kind === 'predict') {
    if (args.json) io.out(JSON.stringify({ predictions: merged.file, patients: merged.patients, refused: merged.refused, files: merged.files }));
    else io.out(`Merged ${merged.files} partial result(s) of a predict batch: ${merged.patients} patients (${merged.refused} refused) -> ${showPath(merged.file)}`);
    return 0;
  }
  if (args.json) {
    printChunks(io, jsonChunks(merged.result));
  } else {
    io.out(formatRunTable(merged.result));
    printFolder(io, merged.folder, `Merged ${merged.files} partial result(s).\n`);
  }
  return 0;
}
