// `jaksim trial <drug> --population P`: MODEL.md's trial mode for one drug in one published trial population.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { simulateArm, armRate } from '../calibration/arm.js';
import { trialPopulation } from '../calibration/data.js';
import { Engine } from '../engine/pool.js';
import { wilson, type Rate } from '../engine/intervals.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS, resolveCatalogReference } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import type { Drug, Globals } from '../model/scenario.js';
import { calibrationWarning, uncalibratedDrugs } from '../io/calibrated.js';
import { progressBar } from './progress.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';

/** As main.ts's default: the core count, at most 8. */
const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

export interface TrialArgs {
  drug: string;
  population: string;
  weeks: string;
  patients: number;
  seed: number;
  byBaseline?: string;
  catalog: string;
  data: string;
  workers: number;
  json: boolean;
}

export interface TrialResult {
  drug: string;
  population: string;
  patients: number;
  weeks: {
    week: number;
    salt20: Rate;
    salt10: Rate;
    byBaseline?: { band: string; patients: number; salt20: Rate; salt10: Rate }[];
  }[];
}

function parseWeeks(text: string): number[] {
  const weeks = text.split(',').map((w) => Number(w.trim()));
  if (weeks.length === 0 || weeks.some((w) => !Number.isFinite(w) || w < 0 || w > 520)) {
    throw new UserError(`--weeks: expected a comma-separated list of weeks from 0 to 520, got "${text}"`);
  }
  return weeks;
}

/**
 * Bands of baseline SALT as the trials label them: "50-94,95-100" means
 * [50, 95) and [95, 100] (a label lo-hi covers SALT from lo to below hi + 1;
 * an upper label of 100 includes 100).
 */
export function parseBands(text: string): { label: string; range: [number, number] }[] {
  return text.split(',').map((raw) => {
    const label = raw.trim();
    const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(label);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2]) : NaN;
    if (!m || !(lo < hi) || hi > 100) throw new UserError(`--by-baseline: expected bands lo-hi of SALT such as 50-94,95-100, got "${label}"`);
    return { label, range: [lo, hi >= 100 ? 100 : hi + 1] as [number, number] };
  });
}

/** The catalog file's drug and globals (scenario rules, defaults filled). */
function catalogDrug(file: string, id: string): { drug: Drug; globals: Globals } {
  const doc = resolveCatalogReference({ catalog: { file: resolve(file) } }, file) as { catalog: Drug[]; globals?: Partial<Globals> };
  const d = doc.catalog.find((x) => x.id === id);
  if (!d) throw new UserError(`${file}: expected drug "${id}" in the catalog, which has ${doc.catalog.map((x) => x.id).join(', ')}`);
  return { drug: { ...d, molecule: d.molecule ?? id.split('-')[0] }, globals: { ...DEFAULTS.globals, ...(doc.globals ?? {}) } };
}

export async function runTrial(a: TrialArgs, engine: Engine, onWarning: (text: string) => void = () => {}): Promise<TrialResult> {
  const data = loadTrialData(a.data);
  const pop = data.populations[a.population];
  if (!pop) throw new UserError(`--population: expected one of ${Object.keys(data.populations).join(', ')}, got "${a.population}"`);
  const weeks = parseWeeks(a.weeks);
  const { drug, globals } = catalogDrug(a.catalog, a.drug);
  const warning = calibrationWarning(uncalibratedDrugs({ catalog: [drug], policies: [{ sequence: [drug.id] }] }));
  if (warning) onWarning(warning);
  const setup = { population: trialPopulation(pop), drug, globals, weeks, patients: a.patients, seed: a.seed };
  const all = await simulateArm(engine, { ...setup, bands: [[0, 100]] });
  const bands = a.byBaseline ? parseBands(a.byBaseline) : undefined;
  const split = bands ? await simulateArm(engine, { ...setup, bands: bands.map((b) => b.range) }) : undefined;
  const rate = (r: { x: number; n: number }) => wilson(r.x, r.n);
  return {
    drug: a.drug,
    population: a.population,
    patients: a.patients,
    weeks: weeks.map((week, w) => ({
      week,
      salt20: rate(armRate(all, w, 0, -1)),
      salt10: rate(armRate(all, w, 1, -1)),
      ...(split && bands ? {
        byBaseline: bands.map((b, i) => ({
          band: b.label, patients: split.patientsByBand[i], salt20: rate(armRate(split, w, 0, i)), salt10: rate(armRate(split, w, 1, i)),
        })),
      } : {}),
    })),
  };
}

const fmt = (r: Rate) => `${(100 * r.rate).toFixed(1)}% (${(100 * r.lo).toFixed(1)}-${(100 * r.hi).toFixed(1)})`;

export async function trialCommand(a: TrialArgs, out: (t: string) => void, err: (t: string) => void = () => {}): Promise<number> {
  if (!Number.isInteger(a.patients) || a.patients < 1 || a.patients > 1e9) throw new UserError(`--patients: expected a whole number from 1 to 1000000000, got ${a.patients}`);
  if (!Number.isInteger(a.seed) || a.seed < 0) throw new UserError(`--seed: expected a whole number >= 0, got ${a.seed}`);
  const engine = new Engine({ workers: a.workers });
  const progress = progressBar(!a.json, `${a.drug} in ${a.population}`, { total: a.patients * (a.byBaseline ? 2 : 1) });
  engine.onSimulated = (patients) => progress.add(patients);
  let r: TrialResult;
  try {
    r = await runTrial(a, engine, (w) => progress.interrupt(() => err(wrapText(w, TABLE_WIDTH, '  '))));
  } finally {
    progress.stop();
    await engine.close();
  }
  if (a.json) { out(JSON.stringify(r)); return 0; }
  out(wrapText(`${r.drug} in the ${r.population} population, ${r.patients.toLocaleString('en-US')} simulated patients (non-responder imputation after an adverse-event stop)`));
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
