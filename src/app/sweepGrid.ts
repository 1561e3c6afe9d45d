// Parameter sweeps: `--set path=v1,v2` and the scenario's `sweep:` section -> a validated grid of scenarios.
import type { Scenario } from '../model/scenario.js';
import { UserError } from '../io/errors.js';
import { validateScenario } from '../io/scenario.js';
import type { SweepParameter } from '../io/sweepResults.js';
import { nearestPath } from '../io/suggest.js';

/** One grid point: the value of each parameter (by path) and its validated scenario. */
export interface GridPoint {
  index: number;
  values: Record<string, unknown>;
  scenario: Scenario;
}

/** Optional policy fields absent from a resolved scenario that a sweep may still set. */
const OPTIONAL_POLICY_FIELDS = ['extendIfImprovedPct', 'extendToMonths', 'worseningFromMonths', 'worseningPoints'];
/** Optional top-level fields that a sweep may set although a resolved scenario may lack them. */
const OPTIONAL_FIELDS = ['description', 'correlation.matrix'];

type Key = string | number;

/** Parse `a.b[2].c` into keys; null when malformed. */
function parsePath(path: string): Key[] | null {
  const keys: Key[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|(\.)/gy;
  let expectName = true;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    if (m[1] !== undefined) {
      if (!expectName) return null;
      keys.push(m[1]);
      expectName = false;
    } else if (m[2] !== undefined) {
      if (expectName) return null;
      keys.push(Number(m[2]));
    } else {
      if (expectName) return null;
      expectName = true;
    }
  }
  return re.lastIndex === path.length && !expectName && keys.length > 0 ? keys : null;
}

function keysText(keys: Key[]): string {
  let out = '';
  for (const k of keys) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${k}`;
  return out;
}

/**
 * Every settable field path of a resolved scenario, with `policies[i].X`
 * collapsed to `policy.X`. Scalars and lists of scalars are leaves (a list
 * such as `policy.sequence` is swept as a whole); objects are descended.
 */
export function fieldPaths(s: Scenario): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, keys: Key[]) => {
    if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
      v.forEach((x, i) => walk(x, [...keys, i]));
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, [...keys, k]);
    } else if (keys.length > 0) {
      out.add(keysText(keys));
    }
  };
  const { sweep: _sweep, ...rest } = s;
  walk(rest, []);
  for (const f of OPTIONAL_POLICY_FIELDS) out.add(`policies[0].${f}`);
  for (const f of OPTIONAL_FIELDS) out.add(f);
  const collapsed = new Set<string>();
  for (const p of out) collapsed.add(p.replace(/^policies\[\d+\]\./, 'policy.'));
  for (const p of out) if (!p.startsWith('policies[')) collapsed.add(p);
  return [...collapsed].sort();
}

/**
 * Resolve a path as written by the user: a full path (`correlation.rhoClass`,
 * `policies[0].failAtMonths`, `policy.failAtMonths`), or a field's last name
 * alone (`rhoClass`) where only one field has that name.
 * @throws UserError naming the path when it is unknown or ambiguous.
 */
export function resolvePath(s: Scenario, path: string, where: string): string {
  const keys = parsePath(path);
  if (!keys) throw new UserError(`${where}: "${path}" is not a field path (write it as correlation.rhoClass, policy.failAtMonths or policies[0].failAtMonths)`);
  const known = fieldPaths(s);
  const full = keysText(keys);
  if (known.includes(full)) return full;
  if (/^policies\[\d+\]\./.test(full)) {
    const i = keys[1] as number;
    if (i >= s.policies.length) throw new UserError(`${where}: "${path}": there is no policy ${i} (the scenario has ${s.policies.length})`);
    if (known.includes(full.replace(/^policies\[\d+\]\./, 'policy.'))) return full;
  }
  if (keys.length === 1) {
    const matches = known.filter((p) => p.endsWith(`.${full}`) || p.endsWith(`]${full}`));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      throw new UserError(`${where}: "${path}" is ambiguous: it could be ${matches.slice(0, 6).join(', ')}${matches.length > 6 ? ', ...' : ''}; give the full path`);
    }
  }
  const near = nearestPath(full, known);
  throw new UserError(`${where}: "${path}" is not a scenario field${near === undefined ? '' : `; did you mean ${near}?`}`);
}

/** A value given on the command line: a number, true/false, or else the text itself. */
export function parseSweepValue(text: string): unknown {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** Parse one `--set path=v1,v2,...` into its raw path and values. */
export function parseSetFlag(flag: string): { path: string; values: unknown[] } {
  const eq = flag.indexOf('=');
  if (eq <= 0 || eq === flag.length - 1) {
    throw new UserError(`--set ${flag}: expected path=value1,value2,... (for example rhoClass=0,0.5,1)`);
  }
  return { path: flag.slice(0, eq).trim(), values: flag.slice(eq + 1).split(',').map(parseSweepValue) };
}

/** Set `value` at `path` in a plain copy of a scenario; `policy.X` sets X in every policy. */
export function setAt(doc: Record<string, unknown>, path: string, value: unknown): void {
  if (path.startsWith('policy.')) {
    for (const p of doc.policies as Record<string, unknown>[]) setAt(p, path.slice('policy.'.length), value);
    return;
  }
  const keys = parsePath(path)!;
  let node: Record<Key, unknown> = doc;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === undefined || node[k] === null) node[k] = {};
    node = node[k] as Record<Key, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * The sweep's parameters: the scenario's `sweep:` section, then the `--set`
 * flags (a flag for a path the file already sweeps replaces its values).
 * @throws UserError naming a bad path.
 */
export function sweepParameters(s: Scenario, file: string, setFlags: string[]): SweepParameter[] {
  const params: SweepParameter[] = [];
  const add = (raw: string, values: unknown[], where: string) => {
    const path = resolvePath(s, raw, where);
    if (values.length === 0) throw new UserError(`${where}: "${raw}": no values given`);
    const same = params.findIndex((p) => p.path === path || overlaps(p.path, path));
    if (same >= 0 && params[same].path !== path) {
      throw new UserError(`${where}: "${raw}" overlaps the swept ${params[same].path}`);
    }
    if (same >= 0) params[same] = { path, values };
    else params.push({ path, values });
  };
  for (const [raw, values] of Object.entries(s.sweep ?? {})) add(raw, values, `${file}: sweep.${raw}`);
  for (const flag of setFlags) {
    const { path, values } = parseSetFlag(flag);
    add(path, values, `--set ${flag}`);
  }
  if (params.length === 0) {
    throw new UserError(`${file}: nothing to sweep: give --set path=v1,v2,... or a sweep: section in the scenario`);
  }
  return params;
}

/** policy.X and policies[i].X set the same field. */
function overlaps(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/^policies\[\d+\]\./, 'policy.');
  return norm(a) === norm(b);
}

/** Grid size above which a sweep is refused (each point is a full run). */
export const MAX_GRID_POINTS = 10_000;
/** The grid limit under --allow-large. */
export const MAX_GRID_POINTS_LARGE = 1_000_000;

/**
 * Expand the full grid (the first parameter varies slowest) and validate the
 * scenario of every point before anything runs.
 * @throws UserError naming the parameter values of the first invalid point.
 */
export function expandGrid(s: Scenario, file: string, params: SweepParameter[], options: { allowLarge?: boolean } = {}): GridPoint[] {
  const total = params.reduce((n, p) => n * p.values.length, 1);
  const max = options.allowLarge ? MAX_GRID_POINTS_LARGE : MAX_GRID_POINTS;
  if (total > max) throw new UserError(`${file}: the sweep has ${total} grid points; at most ${max}${options.allowLarge ? '' : ' (pass --allow-large if you mean it)'}`);
  const { sweep: _sweep, ...base } = s;
  const points: GridPoint[] = [];
  for (let index = 0; index < total; index++) {
    const values: Record<string, unknown> = {};
    let rest = index;
    for (let j = params.length - 1; j >= 0; j--) {
      const n = params[j].values.length;
      values[params[j].path] = params[j].values[rest % n];
      rest = Math.floor(rest / n);
    }
    const doc = structuredClone(base) as unknown as Record<string, unknown>;
    const ordered: Record<string, unknown> = {};
    for (const p of params) {
      ordered[p.path] = values[p.path];
      setAt(doc, p.path, values[p.path]);
    }
    let scenario: Scenario;
    try {
      scenario = validateScenario(doc, file, options);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const at = params.map((p) => `${p.path}=${JSON.stringify(ordered[p.path])}`).join(', ');
      throw new UserError(`sweep point ${at}: ${err.message}`);
    }
    points.push({ index, values: ordered, scenario });
  }
  return points;
}
