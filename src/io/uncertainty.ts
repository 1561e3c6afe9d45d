// The scenario's `uncertainty:` section (for `jaksim psa`): each distribution checked on its own, so a mistake
// is reported as one line naming the parameter and what its distribution needs.
import { z } from 'zod';
import type { Uncertainty, UncertainValue } from '../model/scenario.js';
import { ScenarioError, describeValue } from './errors.js';

const num = z.number();
const positive = num.gt(0);

/** The fields of each distribution (`dist: <name>`). */
const DISTRIBUTIONS = {
  fixed: z.strictObject({ dist: z.literal('fixed'), value: num.optional() }),
  uniform: z.strictObject({ dist: z.literal('uniform'), min: num, max: num }),
  beta: z.strictObject({ dist: z.literal('beta'), alpha: positive, beta: positive }),
  normal: z.strictObject({ dist: z.literal('normal'), mean: num, sd: positive }),
  lognormal: z.strictObject({ dist: z.literal('lognormal'), median: positive, sdlog: positive }),
};
const FROM = z.strictObject({ from: z.literal('calibration') });

/** What a distribution must look like, for messages. */
export const DISTRIBUTION_HELP = '{ dist: fixed (value optional) | uniform (min, max) | beta (alpha, beta) | normal (mean, sd) | lognormal (median, sdlog) } or { from: calibration }';

/** Most parameters and groups a section may name (each PSA draw sets every parameter). */
export const UNCERTAINTY_LIMITS = { parameters: 1000, groups: 100, groupSize: 1000 };

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Render a zod issue below `at` as a ScenarioError. */
function issueError(file: string, at: string, issue: z.core.$ZodIssue, value: unknown): ScenarioError {
  let v: unknown = value;
  for (const k of issue.path) v = isMapping(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  const path = [at, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') return new ScenarioError(file, `${path}.${issue.keys[0]}`, 'no such field of this distribution (unknown key)');
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? `${issue.inclusive ? '>=' : '>'} ${issue.minimum}` : `${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    return new ScenarioError(file, path, `a number ${bound}`, describeValue(v));
  }
  return new ScenarioError(file, path, 'a finite number', describeValue(v));
}

function parseValue(file: string, at: string, value: unknown): UncertainValue {
  if (!isMapping(value)) throw new ScenarioError(file, at, `a distribution ${DISTRIBUTION_HELP}`, describeValue(value));
  const schema = 'from' in value ? FROM : DISTRIBUTIONS[value.dist as keyof typeof DISTRIBUTIONS];
  if (!schema) {
    const got = 'dist' in value ? describeValue(value.dist) : 'no dist';
    throw new ScenarioError(file, `${at}.dist`, 'one of fixed, uniform, beta, normal, lognormal (or from: calibration without dist)', got);
  }
  if ('from' in value && value.from !== 'calibration') throw new ScenarioError(file, `${at}.from`, '"calibration"', describeValue(value.from));
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw issueError(file, at, parsed.error.issues[0], value);
  const d = parsed.data as UncertainValue;
  if ('dist' in d && d.dist === 'uniform' && !(d.min < d.max)) throw new ScenarioError(file, at, 'min < max', `min ${d.min}, max ${d.max}`);
  return d;
}

/**
 * Validate the `uncertainty:` section: `parameters` (a mapping from a field
 * path to a distribution) and `groups` (a mapping from a name to a list of
 * those paths). Whether a path names a numeric field of the scenario is
 * checked by `jaksim psa` (app/psaPlan.ts), which resolves paths as sweeps do.
 * @throws ScenarioError naming the section's path.
 */
export function parseUncertainty(value: unknown, file: string): Uncertainty {
  if (!isMapping(value)) throw new ScenarioError(file, 'uncertainty', 'a mapping with parameters: and groups:', describeValue(value));
  const out: Uncertainty = {};
  for (const key of Object.keys(value)) {
    if (key !== 'parameters' && key !== 'groups') throw new ScenarioError(file, `uncertainty.${key}`, 'no such field (unknown key; expected parameters or groups)');
  }
  if (value.parameters !== undefined) {
    if (!isMapping(value.parameters)) throw new ScenarioError(file, 'uncertainty.parameters', 'a mapping from a field path (such as correlation.rhoClass) to a distribution', describeValue(value.parameters));
    const entries = Object.entries(value.parameters);
    if (entries.length > UNCERTAINTY_LIMITS.parameters) throw new ScenarioError(file, 'uncertainty.parameters', `at most ${UNCERTAINTY_LIMITS.parameters} parameters`, `${entries.length}`);
    out.parameters = Object.fromEntries(entries.map(([path, d]) => [path, parseValue(file, `uncertainty.parameters.${path}`, d)]));
  }
  if (value.groups !== undefined) {
    if (!isMapping(value.groups)) throw new ScenarioError(file, 'uncertainty.groups', 'a mapping from a group name to a list of parameter paths', describeValue(value.groups));
    const entries = Object.entries(value.groups);
    if (entries.length > UNCERTAINTY_LIMITS.groups) throw new ScenarioError(file, 'uncertainty.groups', `at most ${UNCERTAINTY_LIMITS.groups} groups`, `${entries.length}`);
    out.groups = {};
    for (const [name, paths] of entries) {
      const at = `uncertainty.groups.${name}`;
      if (!Array.isArray(paths) || paths.length === 0 || paths.length > UNCERTAINTY_LIMITS.groupSize || paths.some((p) => typeof p !== 'string' || p === '')) {
        throw new ScenarioError(file, at, `a list of 1 to ${UNCERTAINTY_LIMITS.groupSize} parameter paths`, describeValue(paths));
      }
      out.groups[name] = paths as string[];
    }
  }
  return out;
}
