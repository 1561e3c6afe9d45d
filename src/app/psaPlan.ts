// The plan of a probabilistic sensitivity analysis: which scenario fields are uncertain (the `uncertainty:`
// section, or its default), their values in each draw, and the validated scenario of each draw and tornado run.
import type { PosteriorDraws } from '../io/posteriorDraws.js';
import { UserError } from '../io/errors.js';
import { DISTRIBUTION_HELP } from '../io/uncertainty.js';
import { validateScenario } from '../io/scenario.js';
import type { ParametricDistribution, Scenario, UncertainValue } from '../model/scenario.js';
import { namedStream } from '../rng/streams.js';
import { drawFrom } from '../stats/distributions.js';
import { interpolatedQuantile } from '../stats/quantiles.js';
import { resolvePath, setAt } from './sweepGrid.js';

/** The prior of the cross-drug correlation when the scenario gives no `uncertainty:` section: not identified by single-drug trials. */
export const DEFAULT_RHO_CLASS: ParametricDistribution = { dist: 'uniform', min: 0, max: 1 };

/** The entry that stands for every parameter the calibration fitted (drug mu and tau, fitted globals). */
export const ALL_CALIBRATED = 'catalog';

/** The calibration's posterior draws a scenario can use (`from: calibration`), from its calibrated catalog file. */
export interface CalibrationSource {
  drawsFile: string;
  draws: PosteriorDraws;
  /** Globals the scenario sets itself: `catalog: { from: calibration }` leaves them alone. */
  scenarioGlobals: string[];
}

export interface PsaParameter {
  /** The field's path, as sweeps write it (correlation.rhoClass, catalog[0].mu, policy.failAtMonths). */
  path: string;
  /** For people: the field and, for a drug's field, the drug. */
  label: string;
  /** A distribution, or the column of the calibration's draws. */
  source: ParametricDistribution | { from: 'calibration'; column: number[] };
  /** The scenario's own value: the tornado's centre (and what `fixed` without a value keeps). */
  base: number;
  /** The catalog drug the field belongs to, if any (for the per-drug EVPPI groups). */
  drug?: string;
}

export interface PsaPlan {
  /** The scenario with the `fixed` values applied, the uncertainty and sweep sections removed. */
  base: Scenario;
  parameters: PsaParameter[];
  /** User-named groups of parameter paths (for EVPPI). */
  groups: { name: string; paths: string[] }[];
  /** The section as applied (the default filled in), for the record. */
  applied: Record<string, UncertainValue>;
  calibration: { drawsFile: string; draws: number; ess: number } | null;
}

const numberAt = (s: Scenario, path: string): number | undefined => {
  let v: unknown = s;
  const keys = path.replace(/^policy\./, 'policies[0].').match(/[A-Za-z_][A-Za-z0-9_]*|\d+/g) ?? [];
  for (const k of keys) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : undefined;
};

/**
 * Resolve the scenario's uncertainty (or the default: rhoClass uniform on
 * [0, 1] unless an explicit correlation matrix is given, and every
 * calibrated parameter from the posterior draws when the catalog has them).
 * @throws UserError naming the bad entry (unknown or non-numeric field, from: calibration without draws, ...).
 */
export function planPsa(s: Scenario, file: string, calibration: CalibrationSource | null): PsaPlan {
  const where = (path: string) => `${file}: uncertainty.parameters.${path}`;
  const section = s.uncertainty?.parameters ?? {
    ...(s.correlation.matrix ? {} : { 'correlation.rhoClass': DEFAULT_RHO_CLASS }),
    ...(calibration ? { [ALL_CALIBRATED]: { from: 'calibration' as const } } : {}),
  };
  const { uncertainty: _u, sweep: _s, ...stripped } = s;
  const doc = structuredClone(stripped) as unknown as Record<string, unknown>;
  const byPath = new Map<string, PsaParameter>();
  const drugOf = (path: string) => {
    const m = /^catalog\[(\d+)\]\./.exec(path);
    return m ? s.catalog[Number(m[1])]?.id : undefined;
  };
  const labelOf = (path: string) => {
    const drug = drugOf(path);
    return drug ? `${path.replace(/^catalog\[\d+\]\./, '')} of ${drug}` : path.replace(/^(correlation|globals|population)\./, '');
  };
  const fromCalibration = (path: string, at: string, explicit: boolean): PsaParameter | null => {
    if (!calibration) {
      throw new UserError(`${at}: from: calibration needs a calibrated catalog with posterior draws (catalog: { file: catalog.calibrated.yaml } after jaksim calibrate); this scenario's catalog has none`);
    }
    const d = calibration.draws;
    const drug = drugOf(path);
    const field = path.split('.').pop()!;
    let column: number[] | undefined;
    if (drug && (field === 'mu' || field === 'tau')) {
      column = d.drugs[drug]?.[field];
      const est = d.estimate.drugs[drug];
      const here = s.catalog.find((x) => x.id === drug)!;
      if (column && est && (est.mu !== here.mu || est.tau !== here.tau)) {
        throw new UserError(`${at}: the posterior draws ${calibration.drawsFile} belong to another fit (${drug}: mu ${est.mu}, tau ${est.tau} there, ${here.mu}, ${here.tau} in the catalog); run jaksim calibrate again`);
      }
    } else if (path.startsWith('globals.')) {
      if (!explicit && calibration.scenarioGlobals.includes(field)) return null; // the scenario's own value wins
      column = d.globals[field];
    }
    if (!column) {
      const has = [...Object.keys(d.drugs).flatMap((id) => [`mu and tau of ${id}`]), ...Object.keys(d.globals).map((g) => `globals.${g}`)];
      if (!explicit) return null;
      throw new UserError(`${at}: from: calibration: the posterior draws hold ${has.join(', ')}; not this field`);
    }
    return { path, label: labelOf(path), source: { from: 'calibration', column }, base: numberAt(s, path)!, drug };
  };

  for (const [raw, value] of Object.entries(section)) {
    const at = where(raw);
    if (raw === ALL_CALIBRATED) {
      if (!('from' in value)) throw new UserError(`${at}: expected { from: calibration } (every parameter the calibration fitted), got a distribution`);
      const paths = [...s.catalog.flatMap((_, i) => [`catalog[${i}].mu`, `catalog[${i}].tau`]), ...Object.keys(calibration?.draws.globals ?? {}).map((g) => `globals.${g}`)];
      if (!calibration) fromCalibration(paths[0], at, true);
      for (const path of paths) {
        const p = fromCalibration(path, at, false);
        // A column the draws hold constant (the class tau of drugs without a time course) is not uncertain.
        const column = p && 'column' in p.source ? p.source.column : [];
        if (p && !byPath.has(path) && column.some((v) => v !== column[0])) byPath.set(path, p);
      }
      continue;
    }
    const path = resolvePath(s, raw, `${file}: uncertainty.parameters`);
    const base = numberAt(s, path);
    if (base === undefined) throw new UserError(`${at}: expected a numeric scenario field (${DISTRIBUTION_HELP} sets a number), got ${path}, which is not a number in this scenario`);
    if ('from' in value) {
      byPath.set(path, fromCalibration(path, at, true)!);
    } else if (value.dist === 'fixed') {
      byPath.delete(path);
      if (value.value !== undefined) setAt(doc, path, value.value);
    } else {
      byPath.set(path, { path, label: labelOf(path), source: value, base, drug: drugOf(path) });
    }
  }
  let base: Scenario;
  try {
    base = validateScenario(doc, file);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: uncertainty: a fixed value makes the scenario invalid: ${err.message}`);
    throw err;
  }
  const parameters = [...byPath.values()].map((p) => ({ ...p, base: numberAt(base, p.path)! }));
  const known = new Set(parameters.map((p) => p.path));
  const groups = Object.entries(s.uncertainty?.groups ?? {}).map(([name, paths]) => ({
    name,
    paths: paths.map((raw) => {
      const path = resolvePath(s, raw, `${file}: uncertainty.groups.${name}`);
      if (!known.has(path)) throw new UserError(`${file}: uncertainty.groups.${name}: "${raw}" is not an uncertain parameter (${[...known].join(', ') || 'none'})`);
      return path;
    }),
  }));
  const cal = parameters.some((p) => 'from' in p.source) && calibration
    ? { drawsFile: calibration.drawsFile, draws: calibration.draws.draws, ess: calibration.draws.ess } : null;
  return { base, parameters, groups, applied: section, calibration: cal };
}

/**
 * The parameter values of draws 0..draws-1: values[d][k] for parameter k.
 * Each (draw, parameter) has its own stream `<seed>/psa/<d>/<path>`, so a
 * parameter's draws do not change when others are added; the calibrated
 * parameters share one posterior draw per PSA draw, picked with replacement
 * by the stream `<seed>/psa/<d>/calibration`.
 */
export function drawParameters(plan: PsaPlan, seed: number, draws: number): number[][] {
  const out: number[][] = [];
  for (let d = 0; d < draws; d++) {
    const cal = plan.parameters.find((p) => 'from' in p.source);
    const pick = cal && 'column' in cal.source ? Math.floor(namedStream(`${seed}/psa/${d}/calibration`).uniform() * cal.source.column.length) : 0;
    out.push(plan.parameters.map((p) => ('column' in p.source
      ? p.source.column[pick]
      : drawFrom(p.source, p.base, namedStream(`${seed}/psa/${d}/${p.path}`)))));
  }
  return out;
}

/** The scenario of one set of parameter values (validated); `label` names it in errors. */
export function scenarioWith(plan: PsaPlan, file: string, values: readonly number[], patients: number, label: string): Scenario {
  const doc = structuredClone(plan.base) as unknown as Record<string, unknown>;
  doc.patients = patients;
  plan.parameters.forEach((p, k) => setAt(doc, p.path, values[k]));
  try {
    return validateScenario(doc, file, { allowLarge: true });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const at = plan.parameters.map((p, k) => `${p.path} = ${values[k]}`).join(', ');
    throw new UserError(`${label} (${at}): ${err.message}; give that parameter a distribution within the field's range (uniform or beta for a share or a correlation)`);
  }
}

/** One-way variations: each parameter at its 2.5% and 97.5% quantile over the draws, the others at their base values. */
export function tornadoSettings(plan: PsaPlan, values: readonly number[][]): { parameter: number; low: number; high: number }[] {
  return plan.parameters.map((_, k) => {
    const column = values.map((v) => v[k]);
    return { parameter: k, low: interpolatedQuantile(column, 0.025), high: interpolatedQuantile(column, 0.975) };
  }).filter((t) => t.low !== t.high);
}
