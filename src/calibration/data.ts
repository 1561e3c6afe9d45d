// Published trial data as the calibration sees it: types, trial populations, likelihood points, AE rates, prices.
import type { Population } from '../model/scenario.js';
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

/** data/trials.json after validation (io/trials.ts), with a content version. */
export interface TrialData {
  version: string;
  populations: Record<string, TrialPopulationData>;
  arms: TrialArm[];
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

/** One published proportion (or a SALT <= 10 / <= 20 pair) entering the likelihood. */
export interface CalibrationPoint {
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

/** Every likelihood point: arms with byBaseline enter band by band (their totals are then not used). */
export function calibrationPoints(data: TrialData): CalibrationPoint[] {
  const points: CalibrationPoint[] = [];
  data.arms.forEach((arm, i) => {
    const common = { arm: i, trial: arm.trial, population: arm.population, drug: arm.drug };
    if (arm.byBaseline) {
      for (const b of arm.byBaseline) {
        for (const r of b.response) {
          points.push({ ...common, week: r.week, band: b.band, bandIndex: bandIndexOf(b.band), n: b.n,
            nEff: effectiveN(b.n, r.salt20, !!r.approx), salt20: r.salt20, salt10: r.salt10, approx: !!r.approx });
        }
      }
      return;
    }
    for (const r of arm.response) {
      points.push({ ...common, week: r.week, band: 'all', bandIndex: -1, n: arm.n,
        nEff: effectiveN(arm.n, r.salt20, !!r.approx), salt20: r.salt20, salt10: r.salt10, approx: !!r.approx });
    }
  });
  return points;
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
