// Published trial data as the calibration sees it: types, trial populations, likelihood points, AE rates, prices.
import type { Population } from '../model/scenario.js';
import { phi } from '../model/normal.js';
import { weeksToMonths } from '../model/units.js';

export interface ResponsePoint { week: number; salt20: number; salt10?: number; approx?: boolean }

export interface TrialPopulationData {
  inclusion: string;
  meanSalt: number | null;
  shareSalt95to100: number | null;
  meanEpisodeYears: number | null;
  note?: string;
  source: string;
}

export interface TrialArm {
  trial: string;
  population: string;
  drug: string;
  n: number | null;
  response: ResponsePoint[];
  byBaseline?: { band: string; n: number; response: ResponsePoint[] }[];
  note?: string;
  source: string;
}

/** Version 2: responders (or patients) of one pooled analysis by subgroup, [responders, patients] per drug. */
export interface SubgroupAnalysis {
  trial: string;
  population: string;
  week: number;
  by: string;
  groups: { group: string; arms: Record<string, [number, number]> }[];
  source: string;
}

/** Version 2: week-w0 responders kept on or moved between doses (BRAVE-AA2), read under `imputation`. */
export interface MaintenanceStudy {
  trial: string;
  population: string;
  imputation: string;
  design?: string;
  arms: { from: string; to: string; n: number; points: { week: number; salt20?: number; lostBenefit?: number }[] }[];
  source: string;
}

/** Version 2: week-w0 responders withdrawn to placebo (BRAVE-AA1); points for one arm, both withdrawn, or the continuing arms. */
export interface WithdrawalStudy {
  trial: string;
  population: string;
  imputation: string;
  design?: string;
  arms: { from: string; to: string; n: number }[];
  points: { week?: number; weeksAfterStop?: number; arm?: string; arms?: string; salt20?: number; lostBenefit?: number; recapturedSalt20?: number }[];
  source: string;
}

/** Version 2: pooled SALT <= 10 rates of trials whose arms are listed already. */
export interface PooledSalt10 { trial: string; population: string; week: number; arms: Record<string, number>; source: string }

/** data/trials.json after validation (io/trials.ts), with a content version. */
export interface TrialData {
  version: string;
  populations: Record<string, TrialPopulationData>;
  arms: TrialArm[];
  subgroups?: SubgroupAnalysis[];
  maintenance?: MaintenanceStudy[];
  withdrawal?: WithdrawalStudy[];
  salt10?: PooledSalt10[];
  discontinuationForAdverseEvents: { drug: string; weeks: number | null; share: number | null; source?: string; note?: string }[];
  monthlyListPriceUSD: { drug: string; price: number; source: string }[];
}

/**
 * Arm size used where a publication gives none (THRIVE-AA2, UP-AA): a
 * deliberately modest weight, below the 130-351 of the arms whose size is
 * known, so that topline releases count but do not dominate.
 */
export const MISSING_N_WEIGHT = 150;

/**
 * Standard deviation added for a rate reported only as a rounded value
 * ("around 40%"): rounding to the nearest 5 points is uniform with sd
 * 0.05 / sqrt(12) = 0.0144; we take 0.02 for the vagueness of "around".
 */
export const APPROX_SD = 0.02;

/** Baseline SALT bands used for every simulated arm: [50, 95) and [95, 100]. */
export const BANDS: [number, number][] = [[50, 95], [95, 100]];

/**
 * One simulated trial arm: a drug from t = 0 over a trial population (or a subgroup of it by episode
 * duration), read at some weeks under an imputation, optionally with a re-randomised design at w0
 * (responders moved to `then`, a catalog drug, or kept: 'stay'). Simulation i uses seed + i.
 */
export interface Simulation {
  key: string;
  population: string;
  drug: string;
  /** Episode duration subgroup, years [lo, hi) (subgroup analyses). */
  durationYears?: [number, number];
  imputation: 'nri' | 'locf';
  design?: { atWeek: number; then: string };
  weeks: number[];
}

/** Every drug a simulation's catalog holds: the trial drug, then the design's target. */
export function simulationDrugs(s: Simulation): string[] {
  return s.design && s.design.then !== 'stay' && s.design.then !== s.drug ? [s.drug, s.design.then] : [s.drug];
}

/** What a point measures: SALT <= 20 (with SALT <= 10 where given) or loss of benefit (MODEL.md version 2). */
export type PointMeasure = 'salt20' | 'lostBenefit';

/** One published proportion (or a SALT <= 10 / <= 20 pair) entering the likelihood. */
export interface CalibrationPoint {
  /** Which part of trials.json it comes from. */
  kind: 'arm' | 'subgroup' | 'maintenance' | 'withdrawal';
  /** salt20: `salt20` (and `salt10`) are SALT rates; lostBenefit: `salt20` holds the published share with lost benefit. */
  measure: PointMeasure;
  /** The simulations whose rate, weighted, is the model's value (one, or the arms a figure pools). */
  sources: { sim: string; weight: number }[];
  /** Every drug whose parameters move this point. */
  drugs: string[];
  /** A short description (subgroup, design) for reports; '' for plain arms. */
  label: string;
  arm: number;
  trial: string;
  population: string;
  drug: string;
  week: number;
  /** 'all' or a band label such as '50-94'. */
  band: string;
  /** Band index into BANDS, or -1 for the whole arm. */
  bandIndex: number;
  /** Published arm size, null when missing. */
  n: number | null;
  /** Effective size used in the likelihood (MISSING_N_WEIGHT, APPROX_SD applied). */
  nEff: number;
  salt20: number;
  salt10?: number;
  approx: boolean;
}

/** The band of BANDS a published band such as "50-94" or "95-100" maps to. */
export function bandIndexOf(label: string): number {
  const [lo] = label.split('-').map(Number);
  return lo >= 95 ? 1 : 0;
}

function effectiveN(n: number | null, p: number, approx: boolean): number {
  const base = n ?? MISSING_N_WEIGHT;
  if (!approx) return base;
  const v = p * (1 - p);
  return v / (v / base + APPROX_SD * APPROX_SD);
}

const armSim = (population: string, drug: string) => `${population}|${drug}`;

/** Every likelihood point: arms with byBaseline enter band by band (their totals are then not used). */
export function calibrationPoints(data: TrialData): CalibrationPoint[] {
  return calibrationModel(data).points;
}

/** The likelihood points and the simulations they read (weeks filled in), and the figures left out with why. */
export function calibrationModel(data: TrialData): { points: CalibrationPoint[]; simulations: Simulation[]; unused: string[] } {
  const unused: string[] = [];
  const sims = new Map<string, Simulation>();
  const sim = (s: Omit<Simulation, 'weeks'>, week: number) => {
    const known = sims.get(s.key) ?? { ...s, weeks: [] };
    if (!known.weeks.includes(week)) known.weeks.push(week);
    sims.set(s.key, known);
    return s.key;
  };
  const durationGroups = durationSubgroups(data, unused);
  // A published arm total at a week where the same patients enter by duration subgroup is not counted twice.
  const replaced = (population: string, drug: string, week: number) =>
    durationGroups.some((g) => g.population === population && g.week === week && g.drug === drug);
  const points: CalibrationPoint[] = [];
  data.arms.forEach((arm, i) => {
    const common = { kind: 'arm' as const, measure: 'salt20' as const, drugs: [arm.drug], label: '',
      arm: i, trial: arm.trial, population: arm.population, drug: arm.drug };
    const src = (week: number) => [{ sim: sim({ key: armSim(arm.population, arm.drug), population: arm.population, drug: arm.drug, imputation: 'nri' }, week), weight: 1 }];
    if (arm.byBaseline) {
      for (const b of arm.byBaseline) {
        for (const r of b.response) {
          points.push({ ...common, sources: src(r.week), week: r.week, band: b.band, bandIndex: bandIndexOf(b.band), n: b.n,
            nEff: effectiveN(b.n, r.salt20, !!r.approx), salt20: r.salt20, salt10: r.salt10, approx: !!r.approx });
        }
      }
      return;
    }
    for (const r of arm.response) {
      if (replaced(arm.population, arm.drug, r.week)) {
        unused.push(`${arm.trial} ${arm.drug} week ${r.week}: enters through the episode-duration subgroups (the same patients)`);
        continue;
      }
      points.push({ ...common, sources: src(r.week), week: r.week, band: 'all', bandIndex: -1, n: arm.n,
        nEff: effectiveN(arm.n, r.salt20, !!r.approx), salt20: r.salt20, salt10: r.salt10, approx: !!r.approx });
    }
  });
  durationGroups.forEach((g) => {
    const key = `${g.population}|${g.drug}|episode ${g.label}`;
    points.push({ kind: 'subgroup', measure: 'salt20', drugs: [g.drug], label: `episode ${g.label}`, arm: -1, trial: g.trial,
      population: g.population, drug: g.drug, week: g.week, band: 'all', bandIndex: -1, n: g.n, nEff: g.n, salt20: g.x / g.n, approx: false,
      sources: [{ sim: sim({ key, population: g.population, drug: g.drug, durationYears: g.years, imputation: 'nri' }, g.week), weight: 1 }] });
  });
  for (const m of data.maintenance ?? []) {
    const w0 = designWeek(m.design);
    for (const a of m.arms) {
      const then = a.to === a.from ? 'stay' : a.to;
      const key = `${m.population}|${a.from}|responders at week ${w0} -> ${then}`;
      for (const p of a.points) {
        for (const measure of ['salt20', 'lostBenefit'] as const) {
          const value = p[measure];
          if (value === undefined) continue;
          points.push({ kind: 'maintenance', measure, drugs: [...new Set([a.from, a.to])], label: `${a.from} -> ${a.to} at week ${w0}`, arm: -1,
            trial: m.trial, population: m.population, drug: a.from, week: p.week, band: 'all', bandIndex: -1, n: a.n, nEff: a.n, salt20: value, approx: false,
            sources: [{ sim: sim({ key, population: m.population, drug: a.from, imputation: imputationOf(m.imputation), design: { atWeek: w0, then } }, p.week), weight: 1 }] });
        }
      }
    }
  }
  for (const w of data.withdrawal ?? []) {
    const w0 = designWeek(w.design);
    const arms = w.arms.map((a) => ({ ...a, key: `${w.population}|${a.from}|responders at week ${w0} -> ${a.to}`,
      stayKey: `${w.population}|${a.from}|responders at week ${w0} -> stay` }));
    for (const p of w.points) {
      const week = p.week ?? (p.weeksAfterStop === undefined ? undefined : w0 + p.weeksAfterStop);
      if (week === undefined) {
        unused.push(`${w.trial} ${p.arm ?? p.arms}: retreatment after loss of benefit (a second re-randomisation; trial mode has one)`);
        continue;
      }
      const which = p.arm ?? p.arms ?? '';
      const continuing = /continuing/.test(which);
      const chosen = /both/.test(which) ? arms : arms.filter((a) => which === `${a.from} to ${a.to}`);
      if (chosen.length === 0) { unused.push(`${w.trial} week ${week} "${which}": no such arm`); continue; }
      // The continuing arms were randomised 3:1 against the withdrawn ones: weights in proportion to the withdrawn arm sizes.
      const total = chosen.reduce((acc, a) => acc + a.n, 0);
      const n = continuing ? Number(/n about (\d+)/.exec(which)?.[1] ?? 3 * total) : total;
      const sources = chosen.map((a) => ({ weight: a.n / total, sim: continuing
        ? sim({ key: a.stayKey, population: w.population, drug: a.from, imputation: imputationOf(w.imputation), design: { atWeek: w0, then: 'stay' } }, week)
        : sim({ key: a.key, population: w.population, drug: a.from, imputation: imputationOf(w.imputation), design: { atWeek: w0, then: a.to } }, week) }));
      const drugs = [...new Set(chosen.flatMap((a) => (continuing ? [a.from] : [a.from, a.to])))];
      for (const measure of ['salt20', 'lostBenefit'] as const) {
        const value = p[measure];
        if (value === undefined) continue;
        points.push({ kind: 'withdrawal', measure, drugs, label: continuing ? `continuing at week ${w0}` : `${chosen.map((a) => a.from).join(' + ')} -> placebo at week ${w0}`,
          arm: -1, trial: w.trial, population: w.population, drug: chosen[0].from, week, band: 'all', bandIndex: -1, n, nEff: n, salt20: value, approx: false, sources });
      }
    }
  }
  for (const s of data.salt10 ?? []) unused.push(`${s.trial}, SALT <= 10: the per-trial arms carry SALT <= 10 already (the same patients)`);
  const simulations = [...sims.values()];
  for (const s of simulations) s.weeks.sort((a, b) => a - b);
  return { points, simulations, unused };
}

/** The re-randomisation week of a design text ("... at week 52 ..."). */
function designWeek(design: string | undefined): number {
  const m = /week (\d+)/.exec(design ?? '');
  if (!m) throw new Error(`a maintenance or withdrawal design without "week N": ${design}`);
  return Number(m[1]);
}

const imputationOf = (text: string): 'nri' | 'locf' => (/locf/i.test(text) ? 'locf' : 'nri');

/** Episode-duration subgroups ("episode < 4 years", "episode >= 4 years") of the subgroup analyses, one per drug. */
function durationSubgroups(data: TrialData, unused: string[]) {
  const out: { trial: string; population: string; week: number; drug: string; label: string; years: [number, number]; x: number; n: number }[] = [];
  for (const s of data.subgroups ?? []) {
    if (!/duration/.test(s.by)) {
      unused.push(`${s.trial} week ${s.week} by ${s.by}: the population model has no such split (totalis is SALT 100, a point the baseline bands do not hold)`);
      continue;
    }
    for (const g of s.groups) {
      const m = /(<|>=)\s*(\d+(?:\.\d+)?)\s*years/.exec(g.group);
      if (!m) { unused.push(`${s.trial} ${g.group}: not an episode-duration bound`); continue; }
      const edge = Number(m[2]);
      const years: [number, number] = m[1] === '<' ? [0, edge] : [edge, Infinity];
      for (const [drug, [x, n]] of Object.entries(g.arms)) {
        out.push({ trial: s.trial, population: s.population, week: s.week, drug, label: `${m[1]} ${edge} years`, years, x, n });
      }
    }
  }
  return out;
}

/**
 * Assumed where a population's mean SALT or share 95-100 was not found
 * (BRAVE-AA: "about 85-86 and about one half are commonly cited").
 */
export const ASSUMED_MEAN_SALT = 85.5;

/** Episode duration where none is reported: the model default median, 3.5 years, as a mean. */
export const ASSUMED_MEAN_EPISODE_YEARS = 3.5;

/** sdlog of the episode duration in every trial population (the model default). */
export const DURATION_SDLOG = 0.8;

/**
 * A trial population restricted to episode durations in [lo, hi) years: the
 * log-normal duration (clamped to the population's range) truncated to the
 * subgroup is replaced by the log-normal with the truncated normal's mean and
 * sd of log duration, clamped to the subgroup's range (the engine draws a
 * clamped log-normal; the moments are matched, the shape approximated).
 */
export function durationSubgroup(pop: Population, [lo, hi]: [number, number]): Population {
  const d = pop.durYears;
  const m = Math.log(d.median);
  const s = d.sdlog;
  const a = (Math.log(Math.max(lo, d.min)) - m) / s;
  const b = (Math.log(Math.min(hi, d.max)) - m) / s;
  const pdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  const z = phi(b) - phi(a);
  const mean = m + (s * (pdf(a) - pdf(b))) / z;
  const variance = s * s * (1 + (a * pdf(a) - b * pdf(b)) / z - ((pdf(a) - pdf(b)) / z) ** 2);
  return { ...pop, durYears: { median: Math.exp(mean), sdlog: Math.sqrt(Math.max(1e-6, variance)), min: Math.max(lo, d.min), max: Math.min(hi, d.max) } };
}

/** Upper bound of the episode duration from the inclusion text ("< 8 years", "<= 10 years"), else 20. */
export function maxEpisodeYears(inclusion: string): number {
  const m = /episode[^;]*?(?:<=?|to)\s*(\d+(?:\.\d+)?)\s*years/.exec(inclusion);
  return m ? Number(m[1]) : 20;
}

/**
 * A trial's population in the model's terms (MODEL.md "A patient").
 * Baseline SALT: weight s in [95, 100] (mean 97.5), the rest in [50, 75) and
 * [75, 95) weighted so that the overall mean is the published mean. Where s
 * is missing, the rest is uniform on [50, 95) and s solves the mean. Episode
 * duration: log-normal with sdlog 0.8 whose mean is the published mean,
 * clamped to [0.5, the inclusion limit]. No oral minoxidil (the trials
 * excluded concurrent AA treatment). Natural-course worsening: model defaults.
 */
export function trialPopulation(p: TrialPopulationData): Population {
  const mean = p.meanSalt ?? ASSUMED_MEAN_SALT;
  let share = p.shareSalt95to100;
  let upperShareOfRest: number;
  if (share === null) {
    share = Math.min(1, Math.max(0, (mean - 72.5) / (97.5 - 72.5)));
    upperShareOfRest = 20 / 45; // uniform on [50, 95)
  } else {
    const restMean = share < 1 ? (mean - 97.5 * share) / (1 - share) : 72.5;
    upperShareOfRest = Math.min(1, Math.max(0, (restMean - 62.5) / (85 - 62.5)));
  }
  const rest = 1 - share;
  const meanYears = p.meanEpisodeYears ?? ASSUMED_MEAN_EPISODE_YEARS;
  return {
    salt0: [
      { min: 95, max: 100, weight: share },
      { min: 75, max: 95, weight: rest * upperShareOfRest },
      { min: 50, max: 75, weight: rest * (1 - upperShareOfRest) },
    ].filter((b) => b.weight > 0),
    durYears: {
      median: meanYears / Math.exp((DURATION_SDLOG * DURATION_SDLOG) / 2),
      sdlog: DURATION_SDLOG,
      min: 0.5,
      max: maxEpisodeYears(p.inclusion),
    },
    minoxidilShare: 0,
    worseningShare: 0.3,
    worseningMean: 1.5,
  };
}

/**
 * Adverse-event discontinuation rate per month from a share over a period:
 * share = 1 - exp(-rate * months), so rate = -ln(1 - share) / months. Drugs
 * without a figure get the mean rate of the active drugs that have one.
 */
export function aeRates(data: TrialData, drugs: string[]): Map<string, number> {
  const known = new Map<string, number>();
  for (const d of data.discontinuationForAdverseEvents) {
    if (d.share === null || d.weeks === null) continue;
    known.set(d.drug, -Math.log1p(-d.share) / weeksToMonths(d.weeks));
  }
  const active = [...known].filter(([id]) => id !== 'placebo').map(([, r]) => r);
  const fallback = active.length ? active.reduce((a, b) => a + b, 0) / active.length : 0.003;
  return new Map(drugs.map((id) => [id, known.get(id) ?? fallback]));
}

/** Monthly list prices (USD) where given. */
export function monthlyPrices(data: TrialData): Map<string, number> {
  return new Map(data.monthlyListPriceUSD.map((p) => [p.drug, p.price]));
}
