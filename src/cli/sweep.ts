// `jaksim sweep <scenario>` (and its --shard form): flags, the engine, printing.
import { runSweep } from '../app/sweep.js';
import { withEngine } from '../engine/pool.js';
import { sweepJsonChunks } from '../io/sweepResults.js';
import type { CliContext } from './context.js';
import { parseMonths, parseShard, repeated } from './flags.js';
import { resolveScenario } from '../app/run.js';
import { offDrugInResults, offDrugNote } from '../io/calibrated.js';
import { wrapText } from '../io/columns.js';
import { mergeCommandFor, printChunks, printFolder, showPath } from './print.js';
import { checkRunFlags, type ScenarioFlags } from './run.js';
import { formatSweepTable } from './tables.js';

export interface SweepArgs extends ScenarioFlags {
  set?: string | string[];
  /** `--months 6,12,24`: the months of the console table. */
  months?: string;
}

export async function sweepCommand(args: SweepArgs, cli: CliContext): Promise<number> {
  checkRunFlags(args);
  const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
  const inputs = {
    scenario: args.scenario, patients: args.patients, seed: args.seed, allowLarge: args.allowLarge,
    set: repeated(args.set), out: args.out, shard,
  };
  const label = shard ? `${args.scenario} shard ${args.shard}` : args.scenario;
  const months = args.months === undefined ? undefined : parseMonths(args.months, resolveScenario(inputs));
  const outcome = await cli.withProgress(!args.json, label, (ctx) => withEngine(args.workers, (engine) => runSweep(inputs, engine, ctx)));
  const { io } = cli;
  if (outcome.kind === 'shard') {
    const merge = mergeCommandFor(outcome.folder, args.out, args.allowLarge ?? false);
    if (args.json) {
      io.out(JSON.stringify({ shard: `${shard!.index}/${shard!.count}`, units: outcome.units, totalUnits: outcome.totalUnits, folder: outcome.folder, mergeCommand: merge }));
    } else {
      io.out(`Sweep shard ${args.shard}: ${outcome.units} of ${outcome.totalUnits} (grid point, block) units -> ${showPath(outcome.folder)}`);
      io.out(`Merge once every shard is done: ${merge}`);
    }
  } else if (args.json) {
    printChunks(io, sweepJsonChunks(outcome.base, outcome.sweep, cli.command));
  } else {
    const note = offDrugNote(offDrugInResults(outcome.sweep.points.map((pt) => pt.result)));
    const swept = outcome.sweep.parameters.some((p) => /afterLastLine$/.test(p.path));
    if (note) io.out(wrapText(swept ? note.replace(/\.$/, ', at the grid points where the sweep sets it.') : note));
    io.out(formatSweepTable(outcome.sweep, months));
    printFolder(io, outcome.folder);
  }
  return 0;
}
