// `jaksim clinic --out DIR`: the offline clinic page (app/clinic.ts).
import type { Argv } from 'yargs';
import { writeClinic } from '../app/clinic.js';
import { DEFAULT_PARAMETER_DRAWS, DEFAULT_SD_OBS } from '../app/predict.js';
import type { CliContext } from './context.js';
import { checkInteger } from './flags.js';
import { showPath } from './print.js';
import { checkNewOutputFolder } from '../io/outputCheck.js';

export interface ClinicArgs { out: string; scenarios?: string[]; parameterDraws?: number; draws: number; sdObs: number; seed: number }

/** The page's default population draws: a few seconds in a browser tab with the posterior draws. */
export const CLINIC_DRAWS = 50_000;

export function withClinicOptions<T>(y: Argv<T>) {
  return y
    .option('out', { type: 'string', demandOption: true, describe: 'write DIR/index.html (a new folder): open it in a browser, no server or network needed' })
    .positional('scenarios', { type: 'string', array: true, describe: 'scenario files the page offers besides the default (the calibrated approved drugs)' })
    .option('parameter-draws', { type: 'number', describe: `posterior draws of the calibration the page can include (default ${DEFAULT_PARAMETER_DRAWS} when a scenario's catalog has them)` })
    .option('draws', { type: 'number', default: CLINIC_DRAWS, describe: 'the form\'s default population draws' })
    .option('sd-obs', { type: 'number', default: DEFAULT_SD_OBS, describe: 'the form\'s default measurement error of a SALT score' })
    .option('seed', { type: 'number', default: 20251008, describe: 'the form\'s default seed' });
}

export async function clinicCommand(a: ClinicArgs, cli: CliContext): Promise<number> {
  checkInteger('parameter-draws', a.parameterDraws, 0, 1000);
  checkInteger('draws', a.draws, 1000, 100_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkNewOutputFolder(a.out, '--out');
  const file = writeClinic({ ...a, scenarios: (a.scenarios ?? []).map(String) }, cli.command);
  cli.io.out(`Clinic page: ${showPath(file)} (open it in a browser; it runs offline)`);
  return 0;
}
