// `jaksim clinic --out DIR`: the offline clinic page (app/clinic.ts).
import { writeClinic } from '../app/clinic.js';
import type { CliContext } from './context.js';
import { checkInteger } from './flags.js';
import { showPath } from './print.js';
import { checkNewOutputFolder } from '../io/outputCheck.js';

export interface ClinicArgs { out: string; scenarios?: string[]; parameterDraws?: number; draws: number; sdObs: number; seed: number }

export async function clinicCommand(a: ClinicArgs, cli: CliContext): Promise<number> {
  checkInteger('parameter-draws', a.parameterDraws, 0, 1000);
  checkInteger('draws', a.draws, 1000, 100_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkNewOutputFolder(a.out, '--out');
  const file = writeClinic({ ...a, scenarios: (a.scenarios ?? []).map(String) }, cli.command);
  cli.io.out(`Clinic page: ${showPath(file)} (open it in a browser; it runs offline)`);
  return 0;
}
