// The trial use case: MODEL.md's trial mode (version 2) for one drug of a catalog in one published trial
// population: imputations, SALT thresholds, a re-randomised design, response patterns.
import { resolve } from 'node:path';
import { armScenario } from '../calibration/arm.js';
import { trialPopulation } from '../calibration/data.js';
import type { Engine } from '../engine/pool.js';
import { simulateTrialCounts, type Count, type TrialCounts } from '../engine/trialMode.js';
import { calibrationWarning, uncalibratedDrugs } from '../io/calibrated.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS, resolveCatalogReference } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import { moleculeOf } from '../model/catalogRules.js';
import { compileScenario } from '../model/compile.js';
import type { Drug, Globals } from '../model/scenario.js';
import {
  IMPUTATION_LOCF, IMPUTATION_NRI, IMPUTATION_OBSERVED, MAX_PATTERN_TIMES, SELECT_NON_RESPONDERS, SELECT_RESPONDERS,
  THEN_STAY, THEN_STOP, type TrialDesign, type TrialSpec,
} from '../model/trial.js';
import { weeksToMonths } from '../model/units.js';
import { wilson, type Rate } from '../stats/intervals.js';
import { SCRIPT_CONTEXT, type AppContext } from './context.js';

const IMPUTATIONS = { nri: IMPUTATION_NRI, locf: IMPUTATION_LOCF, observed: IMPUTATION_OBSERVED } as const;
export type ImputationName = keyof typeof IMPUTATIONS;

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
  imputation: string;
  salt: string;
  atWeek?: number;
  select?: string;
  then?: string;
  patterns: boolean;
}

/** Rates by SALT threshold, keyed `salt20`, `salt10`, `saltN`. */
type ThresholdRates = { [key: `salt${string}`]: Rate };

export interface TrialResult {
  drug: string;
  population: string;
  patients: number;
  imputation: ImputationName;
  /** A re-randomised design: at `atWeek`, `selected` of the simulated patients were selected and moved. */
  design?: { atWeek: number; select: 'responders' | 'non-responders'; then: string; selected: number };
  weeks: ({
    week: number;
    /** Under `observed`: the patients still observed at the week (the denominator). */
    observed?: number;
    /** A design only: SALT(t) - SALT(w0) > 20 among the selected; null before w0. */
    lostBenefit?: Rate | null;
    byBaseline?: ({ band: string; patients: number; observed?: number } & ThresholdRates)[];
  } & ThresholdRates)[];
  patterns?: { pattern: string; share: number; lo: number; hi: number }[];
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

/** `--salt 20,10`: SALT thresholds, reported as salt20, salt10 (saltN for N). */
export function parseThresholds(text: string): number[] {
  const list = text.split(',').map((w) => w.trim());
  const values = list.map(Number);
  if (list.some((w) => w === '') || values.some((v) => !Number.isFinite(v) || v < 0 || v > 100) || new Set(values).size !== values.length) {
    throw new UserError(`--salt: expected a comma-separated list of distinct SALT thresholds from 0 to 100 such as 20,10, got "${text}"`);
  }
  return values;
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
function catalogDrug(file: string, id: string, flag = ''): { drug: Drug; globals: Globals } {
  const doc = resolveCatalogReference({ catalog: { file: resolve(file) } }, file) as { catalog: Drug[]; globals?: Partial<Globals> };
  const d = doc.catalog.find((x) => x.id === id);
  if (!d) throw new UserError(`${flag}${file}: expected drug "${id}" in the catalog, which has ${doc.catalog.map((x) => x.id).join(', ')}`);
  return { drug: { ...d, molecule: d.molecule ?? moleculeOf(id) }, globals: { ...DEFAULTS.globals, ...(doc.globals ?? {}) } };
}

interface DesignArgs { design: TrialDesign; thenDrug?: Drug; atWeek: number; select: 'responders' | 'non-responders'; then: string }

/** `--at-week W0 --select responders|non-responders --then <drug>|stay|stop`, all three or none. */
function parseDesign(a: TrialInputs): DesignArgs | undefined {
  const given = [a.atWeek, a.select, a.then].filter((x) => x !== undefined).length;
  if (given === 0) return undefined;
  if (given < 3) throw new UserError('--at-week, --select and --then: expected all three together (a re-randomised design), got only some');
  const atWeek = a.atWeek!;
  if (!Number.isFinite(atWeek) || atWeek <= 0 || atWeek > 520) throw new UserError(`--at-week: expected a week from above 0 to 520, got ${atWeek}`);
  if (a.select !== 'responders' && a.select !== 'non-responders') throw new UserError(`--select: expected responders or non-responders, got "${a.select}"`);
  const then = a.then!;
  if (then === a.drug) throw new UserError(`--then: expected another catalog drug, stay or stop, got the trial's own drug "${then}" (use stay)`);
  const thenDrug = then === 'stay' || then === 'stop' ? undefined : catalogDrug(a.catalog, then, '--then: ').drug;
  return {
    design: {
      atMonths: weeksToMonths(atWeek),
      select: a.select === 'responders' ? SELECT_RESPONDERS : SELECT_NON_RESPONDERS,
      // The moved-to drug is catalog entry 1 of the trial's scenario.
      then: then === 'stay' ? THEN_STAY : then === 'stop' ? THEN_STOP : 1,
    },
    thenDrug, atWeek, select: a.select, then,
  };
}

const rate = (r: Count) => wilson(r.x, r.n);

/** The thresholds' rates at assessment i, keyed salt20, salt10, ... */
function ratesAt(counts: TrialCounts, thresholds: number[], i: number, band: number): ThresholdRates {
  return Object.fromEntries(thresholds.map((thr, j) => [`salt${thr}`, rate(counts.response(i, j, band))])) as ThresholdRates;
}

/** `jaksim trial`: one drug in one published trial population, SALT thresholds by week (and band), under a design. */
export async function runTrial(a: TrialInputs, engine: Engine, ctx: AppContext = SCRIPT_CONTEXT): Promise<TrialResult> {
  const data = loadTrialData(a.data);
  // Own keys only: a name such as toString or __proto__ is not a population.
  const pop = Object.hasOwn(data.populations, a.population) ? data.populations[a.population] : undefined;
  if (!pop) throw new UserError(`--population: expected one of ${Object.keys(data.populations).join(', ')}, got "${a.population}"`);
  const weeks = parseWeeks(a.weeks);
  const thresholds = parseThresholds(a.salt);
  if (!(a.imputation in IMPUTATIONS)) throw new UserError(`--imputation: expected nri, locf or observed, got "${a.imputation}"`);
  const imputation = a.imputation as ImputationName;
  if (a.patterns && weeks.length > MAX_PATTERN_TIMES) throw new UserError(`--patterns: expected at most ${MAX_PATTERN_TIMES} weeks in --weeks, got ${weeks.length}`);
  const { drug, globals } = catalogDrug(a.catalog, a.drug);
  const d = parseDesign(a);
  const trialDrugs = d?.thenDrug ? [drug, d.thenDrug] : [drug];
  const warning = calibrationWarning(uncalibratedDrugs({ catalog: trialDrugs, policies: [{ sequence: trialDrugs.map((x) => x.id) }] }));
  if (warning) ctx.warn?.(warning);
  const base = armScenario({ population: trialPopulation(pop), drug, globals, weeks, patients: a.patients, seed: a.seed });
  // A design's drug joins the catalog, with the default correlations (rhoMolecule between doses of one molecule).
  const s = d?.thenDrug ? { ...base, catalog: [drug, d.thenDrug], correlation: { ...DEFAULTS.correlation } } : base;
  const compiled = compileScenario(s);
  const specFor = (bands: [number, number][]): TrialSpec => ({
    drug: 0,
    months: Float64Array.from(weeks, weeksToMonths),
    thresholds: Float64Array.from(thresholds),
    bandLo: Float64Array.from(bands, (b) => b[0]),
    bandHi: Float64Array.from(bands, (b) => b[1]),
    imputation: IMPUTATIONS[imputation],
    ...(d ? { design: d.design } : {}),
    ...(a.patterns ? { patterns: true } : {}),
  });
  const bands = a.byBaseline ? parseBands(a.byBaseline) : undefined;
  let done = 0;
  if (ctx.onProgress) engine.onSimulated = (patients) => ctx.onProgress!(done += patients, a.patients * (bands ? 2 : 1));
  let all: TrialCounts;
  let split: TrialCounts | undefined;
  try {
    all = await simulateTrialCounts(engine, compiled, specFor([[0, 100]]));
    split = bands ? await simulateTrialCounts(engine, compiled, specFor(bands.map((b) => b.range))) : undefined;
  } finally {
    engine.onSimulated = undefined;
  }
  const observed = (counts: TrialCounts, i: number, band: number) => (imputation === 'observed' ? { observed: counts.atRisk(i, band) } : {});
  return {
    drug: a.drug,
    population: a.population,
    patients: a.patients,
    imputation,
    ...(d ? { design: { atWeek: d.atWeek, select: d.select, then: d.then, selected: all.patients() } } : {}),
    weeks: weeks.map((week, i) => ({
      week,
      ...ratesAt(all, thresholds, i, -1),
      ...(d ? { lostBenefit: week >= d.atWeek ? rate(all.lostBenefit(i)) : null } : {}),
      ...observed(all, i, -1),
      ...(split && bands ? {
        byBaseline: bands.map((b, k) => ({ band: b.label, patients: split.patients(k), ...observed(split, i, k), ...ratesAt(split, thresholds, i, k) })),
      } : {}),
    })),
    ...(a.patterns ? { patterns: all.patterns().map((p) => ({ pattern: p.pattern, ...shareOf(p) })) } : {}),
  };
}

function shareOf(c: Count): { share: number; lo: number; hi: number } {
  const r = rate(c);
  return { share: r.rate, lo: r.lo, hi: r.hi };
}
