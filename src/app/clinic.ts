// `jaksim clinic --out DIR` (issue 15 point 4): the clinic page, one self-contained DIR/index.html with the scenarios
// embedded (each already validated here, with its posterior-draw scenarios) and the bundled Web Worker inside.
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFolderAtomic } from '../io/atomic.js';
import { UserError } from '../io/errors.js';
import { InputFileError, readInputText } from '../io/inputFile.js';
import { STOP_REASONS } from '../io/patientFacts.js';
import { clinicHtml, type ClinicEntry } from './clinicPage.js';
import { parameterScenarios, predictScenario } from './predict.js';

/** The worker bundle `npm run build` writes (scripts/bundle-clinic.mjs), from src/app or dist/app alike. */
export const CLINIC_WORKER = fileURLToPath(new URL('../../dist/clinic/worker.js', import.meta.url));

export interface ClinicInputs {
  out: string;
  /** Scenario files offered besides the default (the calibrated approved drugs). */
  scenarios: string[];
  parameterDraws?: number;
  draws: number;
  sdObs: number;
  seed: number;
}

/** Write the page; returns its file. */
export function writeClinic(a: ClinicInputs, command: string): string {
  let bundle: string;
  try {
    bundle = readInputText(CLINIC_WORKER, { expected: 'the clinic page\'s worker bundle', maxBytes: 64 * 1024 * 1024 });
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    throw new UserError(`${err.message}: run npm run build, which bundles it`);
  }
  const entries: ClinicEntry[] = [undefined, ...a.scenarios].map((file) => {
    const s = predictScenario(file);
    const ps = parameterScenarios(s, file, a.parameterDraws);
    const label = file === undefined ? 'default: the calibrated approved drugs' : `${s.name} (${basename(file)})`;
    return { label, scenario: s, runs: ps.scenarios, parameterDraws: ps.parameterDraws };
  });
  const html = clinicHtml({ entries, defaults: { draws: a.draws, sdObs: a.sdObs, seed: a.seed }, stopReasons: STOP_REASONS, command }, bundle);
  writeFolderAtomic(a.out, { 'index.html': html });
  return `${a.out}/index.html`;
}
