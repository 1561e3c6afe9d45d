// The trial use case: MODEL.md's trial mode for one drug of a catalog in one published trial population.
import { resolve } from 'node:path';
import { armRate, simulateArm } from '../calibration/arm.js';
import { trialPopulation } from '../calibration/data.js';
import type { Engine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS, resolveCatalogReference } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import { moleculeOf } from '../model/catalogRules.js';
import type { Drug, Globals } from '../model/scenario.js';
import { wilson, type Rate } from '../stats/intervals.js';

/** The trial as the user asks for it (the flags of `jaksim trial`). */
export interface TrialInputs {
  drug: string;
  population: string;
  weeks: string;
  patients: number;
  seed: number;
  byBaseline?: string;
  catalog: string;
  data: string;
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
  const items = text.split(',').map((w) => w.trim());
  const weeks = items.map(Number);
  // An empty item ("12,") is an error, not week 0.
  if (items.some((w) => w === '') || weeks.some((w) => !Number.isFinite(w) || w < 0 || w > 520)) {
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
  return { drug: { ...d, molecule: d.molecule ?? moleculeOf(id) }, globals: { ...DEFAULTS.globals, ...(doc.globals ?? {}) } };
}

/** `jaksim trial`: one drug in one published trial population, SALT <= 20 and <= 10 by week (and band). */
export async function runTrial(a: TrialInputs, engine: Engine): Promise<TrialResult> {
  const data = loadTrialData(a.data);
  // Own keys only: a name such as toString or __proto__ is not a population.
  const pop = Object.hasOwn(data.populations, a.population) ? data.populations[a.population] : undefined;
  if (!pop) throw new UserError(`--population: expected one of ${Object.keys(data.populations).join(', ')}, got "${a.population}"`);
  const weeks = parseWeeks(a.weeks);
  const { drug, globals } = catalogDrug(a.catalog, a.drug);
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
