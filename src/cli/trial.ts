// `jaksim trial <drug> --population P`: flags, the engine, the table of SALT <= 20 and <= 10 by week.
import type { Argv } from 'yargs';
import { runTrial, type TrialInputs } from '../app/trial.js';
import { withEngine } from '../engine/pool.js';
import { LIMITS } from '../io/scenario.js';
import type { Rate } from '../stats/intervals.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, defaultWorkers } from './flags.js';
import { oneLine } from './tables.js';

export interface TrialArgs extends TrialInputs {
  workers: number;
  json: boolean;
}

const fmt = (r: Rate) => `${(100 * r.rate).toFixed(1)}% (${(100 * r.lo).toFixed(1)}-${(100 * r.hi).toFixed(1)})`;

export async function trialCommand(a: TrialArgs, cli: CliContext): Promise<number> {
  checkInteger('patients', a.patients, 1, LIMITS.patients);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
  const r = await withEngine(a.workers, (engine) => runTrial(a, engine));
  const out = cli.io.out;
  if (a.json) { out(JSON.stringify(r)); return 0; }
  out(oneLine(`${r.drug} in the ${r.population} population, ${r.patients.toLocaleString('en-US')} simulated patients (non-responder imputation after an adverse-event stop)`));
  out('week  SALT <= 20 (95%)       SALT <= 10 (95%)');
  for (const w of r.weeks) {
    out(`${String(w.week).padStart(4)}  ${fmt(w.salt20).padEnd(22)} ${fmt(w.salt10)}`);
    for (const b of w.byBaseline ?? []) out(`        SALT ${b.band.padEnd(7)} ${fmt(b.salt20).padEnd(22)} ${fmt(b.salt10)}  (${b.patients} patients)`);
  }
  out('Intervals are Monte Carlo (Wilson) intervals of the simulation, not trial sampling intervals.');
  return 0;
}

/** yargs options of `jaksim trial` (registered in main.ts). */
export function withTrialOptions<T>(y: Argv<T>) {
  return y
    .positional('drug', { type: 'string', demandOption: true, describe: 'drug id of the catalog, e.g. baricitinib-4mg' })
    .option('population', { type: 'string', demandOption: true, describe: 'trial population: BRAVE-AA, ALLEGRO, THRIVE-AA or UP-AA' })
    .option('weeks', { type: 'string', default: '12,24,36,52', describe: 'comma-separated assessment weeks' })
    .option('patients', { type: 'number', default: 100_000, describe: 'simulated patients' })
    .option('seed', { type: 'number', default: 20251008, describe: 'random seed' })
    .option('by-baseline', { type: 'string', describe: 'also split by baseline SALT bands, e.g. 50-94,95-100' })
    .option('catalog', { type: 'string', default: 'scenarios/catalog.calibrated.yaml', describe: 'catalog file with the drug parameters' })
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'trial data (populations)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}
