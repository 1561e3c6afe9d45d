// `jaksim run <scenario>` (and its --shard and --checkpoint forms): flags, the engine, printing.
import { dirname } from 'node:path';
import { runShard, runWithCheckpoint, type Stopped } from '../app/shards.js';
import { resolveScenario, runScenario } from '../app/run.js';
import { withEngine } from '../engine/pool.js';
import { LIMITS } from '../io/scenario.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, parseMonths, parseShard } from './flags.js';
import { jsonChunks } from '../io/jsonStream.js';
import { mergeCommandFor, printChunks, printFolder, showPath } from './print.js';
import { formatRunTable } from './tables.js';

/** The flags run and sweep share. */
export interface ScenarioFlags {
  scenario: string;
  patients?: number;
  seed?: number;
  workers: number;
  out: string;
  json: boolean;
  shard?: string;
  allowLarge?: boolean;
}

export interface RunArgs extends ScenarioFlags {
  checkpoint: boolean;
  /** `--months 6,9,12,24`: the months of the console tables. */
  months?: string;
}

/** Exit codes after a signal stopped a checkpointed run (128 + signal number, as shells report). */
export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Check the flags shared by run and sweep: patients, seed, workers. */
export function checkRunFlags(a: { patients?: number; seed?: number; workers: number; allowLarge?: boolean }): void {
  checkInteger('patients', a.patients, 1, a.allowLarge ? Number.MAX_SAFE_INTEGER : LIMITS.patients);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
}

/**
 * SIGINT and SIGTERM ask a checkpointed run to stop after the blocks in
 * flight; a second signal exits at once (the saved blocks are safe: each
 * file is renamed into place). Returns the signal seen and the remover.
 */
export function stopOnSignal(note: (text: string) => void): { signal: () => string | null; remove: () => void } {
  let signal: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signal !== null) process.exit(SIGNAL_EXIT[sig] ?? 130);
    signal = sig;
    note(`${sig}: finishing the blocks in flight and saving them (signal again to stop at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: () => signal, remove: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); } };
}

export async function runCommand(args: RunArgs, cli: CliContext): Promise<number> {
  checkRunFlags(args);
  const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
  const inputs = { scenario: args.scenario, patients: args.patients, seed: args.seed, allowLarge: args.allowLarge, out: args.out };
  // Checked against the scenario's visits before anything runs.
  const months = args.months === undefined ? undefined : parseMonths(args.months, resolveScenario(inputs));
  const { io } = cli;
  return cli.withProgress(!args.json, inputs.scenario, async (ctx) => withEngine(args.workers, async (engine) => {
    const signals = args.checkpoint ? stopOnSignal(io.err) : undefined;
    const checkpointed = { ...ctx, shouldStop: () => signals?.signal() != null, log: io.err };
    /** The lines of a checkpointed run or shard that a signal stopped; its exit code. */
    const stopped = (o: Stopped): number => {
      ctx.done();
      const sig = signals?.signal() ?? 'SIGINT';
      io.err(`jaksim: ${sig}: stopped after ${o.saved} of ${o.blockCount} blocks (saved in ${o.checkpoint}); run the same command again to resume`);
      return SIGNAL_EXIT[sig] ?? 130;
    };
    try {
      if (shard) {
        const r = await runShard({ ...inputs, shard, checkpoint: args.checkpoint }, engine, checkpointed);
        if (r.kind === 'stopped') return stopped(r);
        ctx.done();
        const merge = mergeCommandFor(dirname(r.file), args.out, args.allowLarge ?? false);
        if (args.json) {
          io.out(JSON.stringify({ shard: `${shard.index}/${shard.count}`, blocks: r.blocks, blockCount: r.blockCount, partial: r.file, mergeCommand: merge }));
        } else {
          io.out(`Shard ${args.shard}: ${r.blocks} of ${r.blockCount} blocks -> ${showPath(r.file)}`);
          io.out(`Merge once every shard is done: ${merge}`);
        }
        return 0;
      }
      let outcome;
      if (args.checkpoint) {
        outcome = await runWithCheckpoint(inputs, engine, checkpointed);
        if (outcome.kind === 'stopped') return stopped(outcome);
      } else {
        // The workers are closed before the report is rendered: rendering it is the command's peak memory,
        // which otherwise also held the idle workers' heaps (about 30 MB with 2 workers, measured) and so
        // depended on how those heaps had grown over the run.
        outcome = await runScenario(inputs, engine, ctx, () => engine.close());
      }
      ctx.done();
      if (args.json) {
        printChunks(io, jsonChunks(outcome.result));
      } else {
        io.out(formatRunTable(outcome.result, months));
        printFolder(io, outcome.folder);
      }
      return 0;
    } finally {
      signals?.remove();
    }
  }));
}
