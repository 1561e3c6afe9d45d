// The sweep use case: every grid point is a full run with the same seed, on one engine, in grid order.
import type { Engine } from '../engine/pool.js';
import type { RunResult } from '../engine/summarize.js';
import { checkOutputSize, sweepJsonEstimate, writeSweepResults } from '../io/results.js';
import type { SweepResult } from '../io/sweepResults.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { calibrationWarning, sweepUncalibratedDrugs } from '../io/calibrated.js';
import { checkResultsFolder, resolveScenario, simulateScenario, type ScenarioInputs } from './run.js';
import type { Shard } from './shards.js';
import { expandGrid, sweepParameters } from './sweepGrid.js';
import { runSweepShard } from './sweepShards.js';

export interface SweepInputs extends ScenarioInputs {
  /** `--set path=v1,v2,...` flags, in order (after the scenario's own `sweep:` section). */
  set: string[];
  out: string;
  /** Simulate only this shard of the (grid point, block) units and write partial results. */
  shard?: Shard;
}

export type SweepOutcome =
  | { kind: 'sweep'; base: Scenario; sweep: SweepResult; folder: string }
  | { kind: 'shard'; base: Scenario; folder: string; units: number; totalUnits: number };

/** Grid points simulated at once (see runSweep). */
const SWEEP_POINTS_IN_FLIGHT = 2;

/**
 * Validate every grid point (nothing runs if one is bad), run them (two at
 * a time, results in grid order), and write sweep.csv, sweep.json and report.html (or, for a shard,
 * the partial results of its units).
 */
export async function runSweep(inputs: SweepInputs, engine: Engine, ctx: AppContext): Promise<SweepOutcome> {
  const base = resolveScenario(inputs);
  const parameters = sweepParameters(base, inputs.scenario, inputs.set);
  const grid = expandGrid(base, inputs.scenario, parameters, { allowLarge: inputs.allowLarge });
  const warning = calibrationWarning(sweepUncalibratedDrugs(base, parameters));
  if (warning) ctx.warn?.(warning);
  checkResultsFolder(inputs.out, base.name);
  // Each point's result is held until sweep.json is written (by the sweep or by the merge of its shards):
  // its size is known before anything runs.
  checkOutputSize(`${base.name}: sweep.json of ${grid.length} grid points`, sweepJsonEstimate(base, grid, ctx.command), inputs.allowLarge);
  if (inputs.shard) {
    const shard = await runSweepShard(base, parameters, grid, inputs.shard, inputs.out, engine, ctx);
    return { kind: 'shard', base, ...shard };
  }
  const total = grid.reduce((a, p) => a + p.scenario.patients, 0);
  const results: RunResult[] = [];
  let simulated = 0;
  let next = 0;
  // Two points in flight: the next point's blocks keep every worker busy while the last blocks of the one
  // before finish. Each run merges its own blocks in block order; the points are kept in grid order.
  const runner = async () => {
    while (next < grid.length) {
      const i = next++;
      let mine = 0;
      results[i] = await simulateScenario(grid[i].scenario, engine, ctx.onProgress && ((done) => {
        simulated += done - mine;
        mine = done;
        ctx.onProgress!(simulated, total);
      }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SWEEP_POINTS_IN_FLIGHT, grid.length) }, runner));
  const points: SweepResult['points'] = grid.map((point, i) => ({ index: point.index, values: point.values, result: results[i] }));
  const sweep: SweepResult = {
    scenario: base.name, seed: base.seed, patients: base.patients, engineVersion: ENGINE_VERSION, parameters, points,
  };
  return { kind: 'sweep', base, sweep, folder: await writeSweepResults(inputs.out, base, sweep, ctx.command) };
}
