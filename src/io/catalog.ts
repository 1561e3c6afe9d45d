// The calibrated catalog file (YAML): drugs and fitted globals for scenarios, plus uncertainty and fit statistics.
import YAML from 'yaml';
import { z } from 'zod';
import type { CalibrationResult } from '../calibration/assess.js';
import { writeFileAtomic } from './atomic.js';
import { ScenarioError } from './errors.js';
import { catalogFileSchema, decodeScenarioBytes, parseScenarioChecked, readScenarioBytes, schemaError } from './scenario.js';

/** Globals the calibration keeps fixed, and why (docs/calibration.md). */
export const FIXED_GLOBALS: Record<string, string> = {
  sigma: 'fitted only where SALT <= 10 is published beside SALT <= 20 (the ratio measures the spread of G); without such pairs it only rescales mu',
  k: 'onset shape: two or three time points per drug identify one time scale (tau), not the shape as well',
  sTau: 'spread of onset speed between patients: confounded with k and tau at two or three time points',
  betaDur: 'no published arm is split by episode duration, and the four trial populations differ little in mean duration (2.9-4.0 years)',
  refDurYears: 'a reference point, not a parameter',
  betaMinoxidil: 'the trials excluded oral minoxidil (minoxidilShare 0 in every trial population)',
  tauOff: 'no trial stopped treatment within the data used',
  sTauOff: 'no trial stopped treatment within the data used (version 2: 0, every patient decays with tauOff)',
};

/** The global a version-2 vector entry fits (calibration/parameters.ts ExtraGlobal). */
const FITTED_GLOBAL: Record<string, string> = { betaDur: 'betaDur', logTauOff: 'tauOff', logSTauOff: 'sTauOff', logK: 'k', logSTau: 'sTau' };

export interface CatalogMeta {
  dataFile: string;
  seconds: number;
  command: string;
  engineVersion: string;
}

/** The catalog document written by `jaksim calibrate`. */
export function catalogDocument(r: CalibrationResult, meta: CatalogMeta): Record<string, unknown> {
  const round = (v: number, d = 6) => Number(v.toPrecision(d));
  return {
    kind: 'jaksim-calibrated-catalog',
    dataFile: meta.dataFile,
    dataVersion: r.dataVersion,
    engineVersion: meta.engineVersion,
    command: meta.command,
    seed: r.seed,
    patientsPerArm: r.patients,
    fit: {
      deviance: round(r.deviance),
      dataPoints: r.points.length,
      dataDf: r.dataDf,
      parameters: r.params.names.length,
      residualDf: r.df,
      // Null, never NaN, when the data leave no residual degrees of freedom.
      pValue: Number.isFinite(r.pValue) ? round(r.pValue, 4) : null,
      pointsWithinPublished95: `${r.points.filter((p) => p.withinPublished).length} of ${r.points.length}`,
      evaluations: r.evals,
      starts: r.starts.map((s) => round(s.f)),
      seconds: round(meta.seconds, 3),
    },
    globals: Object.fromEntries(Object.entries(r.globals).map(([k, v]) => [k, round(v)])),
    drugs: r.catalog.map((d) => ({
      id: d.id, molecule: d.molecule, mu: round(d.mu), tau: round(d.tau), aeRate: round(d.aeRate),
      ...(d.monthlyPrice === undefined ? {} : { monthlyPrice: d.monthlyPrice }),
    })),
    uncertainty: {
      method: 'Profile-likelihood 95% intervals: where the deviance, with the other parameters of the drug re-optimised, rises by at most 3.84 (chi-square 1 df) over its minimum (bracketing and bisection; the globals and the class tau held). An edge that reaches the search bound is null: not bounded by the data. The class tau is profiled on the arms of its own fit, betaVerySevere with every drug refitted. se and covariance are from the observed information (central-difference Hessian of the deviance under common random numbers; tau on the log scale). Draw parameters as vector ~ Normal(estimate, covariance).',
      hessianRegularised: r.hessianRegularised,
      parameters: r.estimates.map((e) => ({
        name: e.name, estimate: round(e.estimate), lo: e.lo === null ? null : round(e.lo), hi: e.hi === null ? null : round(e.hi), se: round(e.se), kind: e.kind,
        ...(e.note ? { note: e.note } : {}),
      })),
      tauClass: round(r.tauClass, 10),
      vector: r.params.names,
      estimate: r.x.map((v) => round(v, 10)),
      covariance: r.covariance.map((row) => row.map((v) => round(v, 8))),
    },
    fixed: Object.entries(FIXED_GLOBALS)
      .filter(([k]) => !(k === 'sigma' && r.params.fitSigma) && !(r.params.extraGlobals ?? []).some((g) => FITTED_GLOBAL[g] === k))
      .map(([name, why]) => ({ name, value: (r.globals as unknown as Record<string, number>)[name], why })),
  };
}

/** Write the catalog YAML atomically (io/atomic.ts). */
export function writeCatalog(file: string, doc: Record<string, unknown>): void {
  const header = '# Calibrated drug catalog, written by `jaksim calibrate` (docs/calibration.md). Scenarios use it with\n'
    + '# `catalog: { file: catalog.calibrated.yaml }`. Regenerate rather than edit by hand.\n';
  writeFileAtomic(file, header + YAML.stringify(doc, { lineWidth: 0 }));
}

/** A calibrated catalog file as a document (to rewrite one key of it: `calibrate --posterior-only`); readCatalogUncertainty checks it. */
export function readCatalogDocument(file: string): Record<string, unknown> {
  return parseScenarioChecked(decodeScenarioBytes(readScenarioBytes(file, 'a calibrated catalog written by jaksim calibrate'), file), file) as Record<string, unknown>;
}

/** Simulated patients per trial arm of a calibration: the bounds of calibrate --patients and of a stored catalog. */
export const PATIENTS_PER_ARM = { min: 100, max: 10_000_000 } as const;
/** Most free parameters a stored calibration may have (two per drug of the largest catalog, and the globals). */
const MAX_PARAMETERS = 1000;
/** Bounds of a stored estimate (mu, log tau, log sigma, betaVerySevere: all of order 1) and of a covariance entry. */
const ESTIMATE_BOUND = 100;
const COVARIANCE_BOUND = 1e6;

const edge = z.number().min(-1e12).max(1e12).nullable().optional();
/** The parts of a calibrated catalog that `jaksim validate` uses, with limits (the drugs and globals as for scenarios). */
const calibratedCatalogSchema = catalogFileSchema.extend({
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  patientsPerArm: z.number().int().min(PATIENTS_PER_ARM.min).max(PATIENTS_PER_ARM.max),
  globals: catalogFileSchema.shape.globals.unwrap(),
  uncertainty: z.object({
    vector: z.array(z.string().min(1).max(200)).min(1).max(MAX_PARAMETERS),
    estimate: z.array(z.number().min(-ESTIMATE_BOUND).max(ESTIMATE_BOUND)).min(1).max(MAX_PARAMETERS),
    covariance: z.array(z.array(z.number().min(-COVARIANCE_BOUND).max(COVARIANCE_BOUND)).max(MAX_PARAMETERS)).min(1).max(MAX_PARAMETERS),
    tauClass: z.number().gt(0).max(1e6).optional(),
    parameters: z.array(z.object({ name: z.string().max(200), lo: edge, hi: edge, note: z.string().max(10_000).optional() })).max(MAX_PARAMETERS).optional(),
  }),
});

/** What `jaksim validate` reads from a stored calibration. */
export interface StoredCalibration {
  names: string[]; estimate: number[]; covariance: number[][]; tauClass?: number; seed: number; patients: number; globals: Record<string, number>;
  /** The stored intervals by parameter name (lo/hi null where open). */
  intervals: Map<string, { lo: number | null; hi: number | null; note: string; verbatim: true }>;
}

/**
 * The stored free vector, names and covariance of a catalog file (for `jaksim validate`), read like a
 * scenario (a regular file, size, UTF-8, duplicate keys, nesting) and checked by schema with limits:
 * patientsPerArm within calibrate's bounds, finite bounded estimates, a symmetric covariance of the
 * vector's size with a non-negative diagonal, positive tauClass, non-negative seed and sigma.
 * @throws UserError (ScenarioError) naming the file and the field
 */
export function readCatalogUncertainty(file: string): StoredCalibration {
  const expected = 'a calibrated catalog written by jaksim calibrate';
  const doc = parseScenarioChecked(decodeScenarioBytes(readScenarioBytes(file, expected), file), file);
  const parsed = calibratedCatalogSchema.safeParse(doc);
  if (!parsed.success) throw schemaError(parsed.error.issues[0], doc, file);
  const d = parsed.data;
  const u = d.uncertainty;
  const n = u.vector.length;
  const fail = (path: string, what: string, actual: string): never => {
    throw new ScenarioError(file, `uncertainty.${path}`, what, actual);
  };
  if (u.estimate.length !== n) fail('estimate', `${n} numbers (one per entry of uncertainty.vector)`, `${u.estimate.length}`);
  if (u.covariance.length !== n) fail('covariance', `a ${n} x ${n} matrix (one row per entry of uncertainty.vector)`, `${u.covariance.length} rows`);
  u.covariance.forEach((row, i) => {
    if (row.length !== n) fail(`covariance[${i}]`, `${n} numbers`, `${row.length}`);
  });
  u.covariance.forEach((row, i) => {
    if (!(row[i] >= 0)) fail(`covariance[${i}][${i}]`, 'a variance >= 0', String(row[i]));
    for (let j = 0; j < i; j++) {
      const a = row[j];
      const b = u.covariance[j][i];
      // Stored to 8 significant digits: equal up to that rounding.
      if (Math.abs(a - b) > 1e-6 * Math.max(Math.abs(a), Math.abs(b)) + 1e-300) fail(`covariance[${i}][${j}]`, `a symmetric matrix (equal to covariance[${j}][${i}], ${b})`, String(a));
    }
  });
  const intervals = new Map<string, { lo: number | null; hi: number | null; note: string; verbatim: true }>();
  for (const q of u.parameters ?? []) {
    if (typeof q.note === 'string' && /profile/.test(q.note)) intervals.set(q.name, { lo: q.lo ?? null, hi: q.hi ?? null, note: q.note, verbatim: true });
  }
  return {
    intervals,
    tauClass: u.tauClass,
    names: u.vector, estimate: u.estimate, covariance: u.covariance,
    seed: d.seed, patients: d.patientsPerArm, globals: d.globals as Record<string, number>,
  };
}
