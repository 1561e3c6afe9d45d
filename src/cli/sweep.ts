// The sweep command: every grid point is a full run with the same seed, on one reused engine.
import { availableParallelism } from 'node:os';
import { relative, join } from 'node:path';
import type { Argv } from 'yargs';
import { Engine } from '../engine/pool.js';
import { simulateScenario } from '../engine/simulate.js';
import { sweepReportHtml } from '../io/report.js';
import { writeResultFolder } from '../io/results.js';
import { LIMITS, loadScenario } from '../io/scenario.js';
import { expandGrid, sweepCsv, sweepParameters, type SweepResult } from '../io/sweep.js';
import { formatSweepTable } from '../io/table.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import { checkInteger, parseMonths } from './flags.js';
import { calibrationWarning, offDrugInResults, offDrugNote, sweepUncalibratedDrugs } from '../io/calibrated.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';
import { progressBar } from './progress.js';
import { runSweepShard } from './sweepShard.js';

export interface SweepArgs {
  scenario: string;
  set?: string | string[];
  patients?: number;
  seed?: number;
  workers: number;
  out: string;
  json: boolean;
  shard?: string;
  allowLarge?: boolean;
  months?: string;
}

/** yargs options of `sweep <scenario>`. */
export function withSweepOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
    .option('set', {
      type: 'string', // repeated --set flags collect into a list; not `array`, which would swallow the scenario
      describe: 'path=v1,v2,...: a field by its path (correlation.rhoClass), its last name where unambiguous (rhoClass), or policy.X for every policy; several give the full grid',
    })
    .option('patients', { type: 'number', describe: 'patients per grid point (overrides the scenario)' })
    .option('seed', { type: 'number', describe: 'random seed of every grid point (overrides the scenario)' })
    .option('workers', { type: 'number', default: Math.max(1, Math.min(availableParallelism(), 8)), describe: 'worker threads (results do not depend on it)' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print sweep.json on stdout' })
    .option('shard', { type: 'string', describe: 'i/n: simulate only shard i of n of the (grid point, block) units and write partial results for `jaksim merge`' })
    .option('allow-large', { type: 'boolean', default: false, describe: 'lift the limits on scenario size, patients, drugs, visits and grid points' })
    .option('months', { type: 'string', describe: 'months of the console table, e.g. 6,12,24 (default: 12 and the horizon)' });
}

/**
 * Validate every grid point (nothing runs if one is bad), run them in grid
 * order on one engine, and write sweep.csv, sweep.json and report.html.
 */
export async function sweepCommand(args: SweepArgs, out: (t: string) => void, err: (t: string) => void = () => {}): Promise<number> {
  checkInteger('patients', args.patients, 1, args.allowLarge ? Number.MAX_SAFE_INTEGER : LIMITS.patients);
  checkInteger('seed', args.seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('workers', args.workers, 1, 64);
  const base = loadScenario(args.scenario, { allowLarge: args.allowLarge });
  if (args.patients !== undefined) base.patients = args.patients;
  if (args.seed !== undefined) base.seed = args.seed;
  const sets = args.set === undefined ? [] : Array.isArray(args.set) ? args.set : [args.set];
  const parameters = sweepParameters(base, args.scenario, sets.map(String));
  const grid = expandGrid(base, args.scenario, parameters, { allowLarge: args.allowLarge });
  const months = parseMonths(args.months, base);
  const warning = calibrationWarning(sweepUncalibratedDrugs(base, parameters));
  if (warning) err(wrapText(warning, TABLE_WIDTH, '  '));
  if (args.shard !== undefined) {
    const progress = progressBar(!args.json, `${base.name} shard ${args.shard}`);
    try {
      const shard = await runSweepShard(base, parameters, grid, String(args.shard), args.workers, args.out, progress.onProgress);
      progress.stop();
      out(`Sweep shard ${args.shard}: ${shard.units} of ${shard.totalUnits} (grid point, block) units -> ${relative(process.cwd(), shard.folder) || shard.folder}`);
    } finally {
      progress.stop();
    }
    return 0;
  }

  const engine = new Engine({ workers: args.workers });
  const points: SweepResult['points'] = [];
  // One line for the whole sweep: patients over all grid points.
  const progress = progressBar(!args.json, base.name, { total: grid.length * base.patients });
  try {
    for (const point of grid) {
      const before = point.index * base.patients;
      progress.setTotal(grid.length * base.patients, `${base.name} point ${point.index + 1}/${grid.length}`);
      const result = await simulateScenario(point.scenario, { engine, onProgress: (done) => progress.onProgress(before + done, grid.length * base.patients) });
      points.push({ index: point.index, values: point.values, result });
    }
  } finally {
    progress.stop();
    await engine.close();
  }
  const sweep: SweepResult = {
    scenario: base.name, seed: base.seed, patients: base.patients, engineVersion: ENGINE_VERSION, parameters, points,
  };
  return writeSweepResults(args.out, base, sweep, args.json, out, months);
}

/** Write a sweep's folder (sweep.csv, sweep.json, report.html) and print its table or its JSON. */
export async function writeSweepResults(
  outRoot: string, base: Scenario, sweep: SweepResult, asJson: boolean, out: (t: string) => void, months?: number[],
): Promise<number> {
  const args = { out: outRoot, json: asJson };
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const { sweep: _sweep, ...resolved } = base;
  const json = JSON.stringify({ ...sweep, command, resolvedScenario: resolved }, null, 2) + '\n';
  const folder = writeResultFolder(args.out, base.name, {
    'sweep.csv': sweepCsv(sweep),
    'sweep.json': json,
    'report.html': await sweepReportHtml(sweep, { ...resolved }, command),
  });
  if (args.json) {
    out(json);
  } else {
    const note = offDrugNote(offDrugInResults(sweep.points.map((pt) => pt.result)));
    if (note) out(wrapText(sweep.parameters.some((p) => /afterLastLine$/.test(p.path)) ? note.replace(/\.$/, ', at the grid points where the sweep sets it.') : note));
    out(formatSweepTable(sweep, months));
    out(`\nResults: ${relative(process.cwd(), folder) || folder}`);
    out(`Report: ${relative(process.cwd(), join(folder, 'report.html'))}`);
  }
  return 0;
}
