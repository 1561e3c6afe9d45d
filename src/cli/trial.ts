// `jaksim trial <drug> --population P`: MODEL.md's trial mode for one drug in one published trial population.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { armScenario } from '../calibration/arm.js';
import { trialPopulation } from '../calibration/data.js';
import { Engine } from '../engine/pool.js';
import { wilson, type Rate } from '../engine/intervals.js';
import { simulateTrialCounts, type Count, type TrialCounts } from '../engine/trialMode.js';
import { UserError } from '../io/errors.js';
import { DEFAULTS, resolveCatalogReference } from '../io/scenario.js';
import { loadTrialData } from '../io/trials.js';
import { compileScenario } from '../model/compile.js';
import type { Drug, Globals } from '../model/scenario.js';
import {
  IMPUTATION_LOCF, IMPUTATION_NRI, IMPUTATION_OBSERVED, MAX_PATTERN_TIMES, SELECT_NON_RESPONDERS, SELECT_RESPONDERS,
  THEN_STAY, THEN_STOP, type TrialDesign, type TrialSpec,
} from '../model/trial.js';
import { weeksToMonths } from '../model/units.js';

/** As main.ts's default: the core count, at most 8. */
const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

const IMPUTATIONS = { nri: IMPUTATION_NRI, locf: IMPUTATION_LOCF, observed: IMPUTATION_OBSERVED } as const;
type ImputationName = keyof typeof IMPUTATIONS;

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
  const weeks = text.split(',').map((w) => Number(w.trim()));
  if (weeks.length === 0 || weeks.some((w) => !Number.isFinite(w) || w < 0 || w > 520)) {
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
  return { drug: { ...d, molecule: d.molecule ?? id.split('-')[0] }, globals: { ...DEFAULTS.globals, ...(doc.globals ?? {}) } };
}

interface DesignArgs { design: TrialDesign; thenDrug?: Drug; atWeek: number; select: 'responders' | 'non-responders'; then: string }

/** `--at-week W0 --select responders|non-responders --then <drug>|stay|stop`, all three or none. */
function parseDesign(a: TrialArgs): DesignArgs | undefined {
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

export async function runTrial(a: TrialArgs, engine: Engine): Promise<TrialResult> {
  const data = loadTrialData(a.data);
  const pop = data.populations[a.population];
  if (!pop) throw new UserError(`--population: expected one of ${Object.keys(data.populations).join(', ')}, got "${a.population}"`);
  const weeks = parseWeeks(a.weeks);
  const thresholds = parseThresholds(a.salt);
  if (!(a.imputation in IMPUTATIONS)) throw new UserError(`--imputation: expected nri, locf or observed, got "${a.imputation}"`);
  const imputation = a.imputation as ImputationName;
  if (a.patterns && weeks.length > MAX_PATTERN_TIMES) throw new UserError(`--patterns: expected at most ${MAX_PATTERN_TIMES} weeks in --weeks, got ${weeks.length}`);
  const { drug, globals } = catalogDrug(a.catalog, a.drug);
  const d = parseDesign(a);
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
  const all = await simulateTrialCounts(engine, compiled, specFor([[0, 100]]));
  const bands = a.byBaseline ? parseBands(a.byBaseline) : undefined;
  const split = bands ? await simulateTrialCounts(engine, compiled, specFor(bands.map((b) => b.range))) : undefined;
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

const fmt = (r: Rate) => `${(100 * r.rate).toFixed(1)}% (${(100 * r.lo).toFixed(1)}-${(100 * r.hi).toFixed(1)})`;

const IMPUTATION_TEXT: Record<ImputationName, string> = {
  nri: 'non-responder imputation after an adverse-event stop',
  locf: 'last observation carried forward after an adverse-event stop',
  observed: 'patients stopped for an adverse event leave numerator and denominator',
};

export async function trialCommand(a: TrialArgs, out: (t: string) => void): Promise<number> {
  if (!Number.isInteger(a.patients) || a.patients < 1 || a.patients > 1e9) throw new UserError(`--patients: expected a whole number from 1 to 1000000000, got ${a.patients}`);
  if (!Number.isInteger(a.seed) || a.seed < 0) throw new UserError(`--seed: expected a whole number >= 0, got ${a.seed}`);
  const engine = new Engine({ workers: a.workers });
  let r: TrialResult;
  try {
    r = await runTrial(a, engine);
  } finally {
    await engine.close();
  }
  if (a.json) { out(JSON.stringify(r)); return 0; }
  out(`${r.drug} in the ${r.population} population, ${r.patients.toLocaleString('en-US')} simulated patients (${IMPUTATION_TEXT[r.imputation]})`);
  if (r.design) {
    out(`Re-randomised at week ${r.design.atWeek}: ${r.design.select} still on the drug (${r.design.selected.toLocaleString('en-US')} patients) ${
      r.design.then === 'stay' ? 'stay on it' : r.design.then === 'stop' ? 'stop it' : `move to ${r.design.then}`}; rates among them`);
  }
  const keys = Object.keys(r.weeks[0]).filter((k) => /^salt/.test(k)) as `salt${string}`[];
  const cols = [...keys.map((k) => `SALT <= ${k.slice(4)} (95%)`), ...(r.design ? ['lost benefit (95%)'] : []), ...(r.imputation === 'observed' ? ['observed'] : [])];
  out(`week  ${cols.map((c) => c.padEnd(22)).join(' ').trimEnd()}`);
  const cell = (v: unknown) => (v === null ? '-' : typeof v === 'number' ? String(v) : fmt(v as Rate)).padEnd(22);
  for (const w of r.weeks) {
    const cells = [...keys.map((k) => w[k]), ...(r.design ? [w.lostBenefit] : []), ...(r.imputation === 'observed' ? [w.observed] : [])];
    out(`${String(w.week).padStart(4)}  ${cells.map(cell).join(' ').trimEnd()}`);
    for (const b of w.byBaseline ?? []) out(`        SALT ${b.band.padEnd(7)} ${keys.map((k) => cell(b[k])).join(' ').trimEnd()}  (${b.patients} patients)`);
  }
  if (r.patterns) {
    out(`\nResponse patterns (SALT <= ${keys[0].slice(4)} at weeks ${r.weeks.map((w) => w.week).join(', ')}; 1 = responding)`);
    for (const p of r.patterns) out(`  ${p.pattern}  ${fmt({ rate: p.share, lo: p.lo, hi: p.hi })}`);
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
    .option('imputation', { type: 'string', default: 'nri', describe: 'after an adverse-event stop: nri (non-responder), locf or observed' })
    .option('salt', { type: 'string', default: '20,10', describe: 'SALT thresholds to report, e.g. 20,10 (salt20, salt10)' })
    .option('at-week', { type: 'number', describe: 're-randomised design: the week w0 of the re-randomisation (with --select and --then)' })
    .option('select', { type: 'string', describe: 'design: responders or non-responders at w0 (among those still on the drug)' })
    .option('then', { type: 'string', describe: 'design: a catalog drug to move them to, stay or stop' })
    .option('patterns', { type: 'boolean', default: false, describe: 'also report the share of patients with each pattern of response over the weeks' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}
