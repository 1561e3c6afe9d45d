// The calibrated catalog file (YAML): drugs and fitted globals for scenarios, plus uncertainty and fit statistics.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { CalibrationResult } from '../calibration/assess.js';
import { writeFileAtomic } from './atomic.js';
import { UserError } from './errors.js';

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
      pValue: round(r.pValue, 4),
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

/** The stored free vector, names and covariance of a catalog file (for `jaksim validate`). */
export function readCatalogUncertainty(file: string): {
  names: string[]; estimate: number[]; covariance: number[][]; tauClass?: number; seed: number; patients: number; globals: Record<string, number>;
  /** The stored intervals by parameter name (lo/hi null where open). */
  intervals: Map<string, { lo: number | null; hi: number | null; note: string; verbatim: true }>;
} {
  let doc: Record<string, unknown>;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: expected a calibrated catalog written by jaksim calibrate, got ${(err as Error).message.split('\n')[0]}`);
  }
  const u = doc?.uncertainty as Record<string, unknown> | undefined;
  const ok = u && Array.isArray(u.vector) && Array.isArray(u.estimate) && Array.isArray(u.covariance)
    && typeof doc.seed === 'number' && typeof doc.patientsPerArm === 'number' && typeof doc.globals === 'object';
  if (!ok) throw new UserError(`${file}: uncertainty: expected the vector, estimate and covariance written by jaksim calibrate, got ${u ? 'an incomplete block' : 'nothing'}`);
  const intervals = new Map<string, { lo: number | null; hi: number | null; note: string; verbatim: true }>();
  const edge = (v: unknown) => (typeof v === 'number' ? v : null);
  for (const q of Array.isArray(u.parameters) ? u.parameters as Record<string, unknown>[] : []) {
    if (q && typeof q.name === 'string' && typeof q.note === 'string' && /profile/.test(q.note)) {
      intervals.set(q.name, { lo: edge(q.lo), hi: edge(q.hi), note: q.note, verbatim: true });
    }
  }
  return {
    intervals,
    tauClass: typeof u.tauClass === 'number' ? u.tauClass : undefined,
    names: u.vector as string[], estimate: u.estimate as number[], covariance: u.covariance as number[][],
    seed: doc.seed as number, patients: doc.patientsPerArm as number, globals: doc.globals as Record<string, number>,
  };
}
