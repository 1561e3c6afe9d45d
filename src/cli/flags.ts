// Flag parsing shared by the commands: the default worker count, worker and shard flags; one message naming
// the flag, exit 2 (the integer check itself is io/errors.ts's checkInteger, shared with the use cases' inputs).
import { availableParallelism } from 'node:os';
import type { Shard } from '../app/shards.js';
import { UserError, checkInteger, parseIntegerList } from '../io/errors.js';

export { checkInteger, parseIntegerList };

/** Largest worker count accepted by --workers. */
export const MAX_WORKERS = 64;

/** Default of every --workers flag: the core count, at most 8. */
export const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

/** The check of every --workers flag. */
export function checkWorkers(workers: number): void {
  checkInteger('workers', workers, 1, MAX_WORKERS);
}

/** Parse `i/n` (1 <= i <= n); throws UserError. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index < 1 || count < 1 || index > count || count > 1_000_000) {
    throw new UserError(`--shard: expected i/n with 1 <= i <= n <= 1000000 (such as 2/8), got ${JSON.stringify(String(text).slice(0, 40))}`);
  }
  return { index, count };
}

/** A flag that yargs collects into a list when repeated: always a list of strings. */
export function repeated(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/** `--months 6,9,12,24`: months of the console tables, each a visit of the scenario; undefined when not given. */
export function parseMonths(text: string | undefined, s: { horizon: number; visitEveryMonths: number }): number[] | undefined {
  if (text === undefined) return undefined;
  const months = String(text).split(',').map((m) => m.trim()).filter(Boolean).map(Number);
  const visits = Math.floor(s.horizon / s.visitEveryMonths + 1e-9);
  for (const m of months) {
    const v = m / s.visitEveryMonths;
    if (!Number.isFinite(m) || Math.abs(v - Math.round(v)) > 1e-9 || Math.round(v) < 1 || Math.round(v) > visits) {
      throw new UserError(`--months: expected visit months (multiples of ${s.visitEveryMonths} up to the horizon, ${s.horizon}) such as 6,9,12,24, got "${text}"`);
    }
  }
  if (months.length === 0) throw new UserError(`--months: expected a comma-separated list of months such as 6,9,12,24, got "${text}"`);
  return [...new Set(months)].sort((a, b) => a - b);
}

/** The option types yargs knows for the command being parsed (its getOptions()). */
export interface FlagTypes {
  string: string[];
  number: string[];
  boolean: string[];
  array: string[];
}

/** Flags meant to be given several times (each `--set` adds a parameter). */
const REPEATABLE = new Set(['set']);

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The checks yargs does not make, on the raw arguments: a flag that takes a
 * value given without one (`--seed` at the end, `--out=`, `--weeks ''`), an
 * empty argument, and a flag given twice (yargs would make a list of it, or
 * keep the last boolean silently). Every command goes through it.
 * @throws UserError naming the flag
 */
export function checkRawFlags(argv: readonly string[], types: FlagTypes): void {
  const valued = new Set([...types.string, ...types.number, ...types.array].map(kebab));
  const booleans = new Set(types.boolean.map(kebab));
  const seen = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') break;
    if (token === '') throw new UserError(`${i > 0 && argv[i - 1].startsWith('-') ? `${argv[i - 1]}: expected a value` : 'expected an argument'}, got an empty one`);
    if (!token.startsWith('--')) continue;
    const eq = token.indexOf('=');
    let name = kebab(token.slice(2, eq < 0 ? undefined : eq));
    if (name.startsWith('no-') && booleans.has(name.slice(3))) name = name.slice(3);
    let value: string | undefined;
    if (valued.has(name)) {
      if (eq >= 0) value = token.slice(eq + 1);
      else if (i + 1 < argv.length && !(argv[i + 1].startsWith('-') && !/^-\d/.test(argv[i + 1]))) value = argv[++i];
      if (value === undefined) throw new UserError(`--${name}: expected a value, got nothing`);
      if (value.trim() === '') throw new UserError(`--${name}: expected a value, got an empty one`);
    } else if (!booleans.has(name)) {
      continue; // unknown: yargs's strict mode names it
    }
    const before = seen.get(name) ?? [];
    before.push(value ?? token);
    seen.set(name, before);
    if (before.length > 1 && !REPEATABLE.has(name)) {
      const given = value === undefined ? '' : ` (${before.map((v) => JSON.stringify(v.slice(0, 40))).join(' and ')})`;
      throw new UserError(`--${name}: given twice${given}; give it once`);
    }
  }
}

/** Limits of the numeric flags shared by several commands: the same for every command that has them. */
export const SHARED_FLAG_LIMITS: Record<string, [number, number]> = {
  workers: [1, MAX_WORKERS],
  seed: [0, Number.MAX_SAFE_INTEGER],
};

/** Check the shared numeric flags of a parsed command line (SHARED_FLAG_LIMITS). @throws UserError */
export function checkSharedFlags(args: Record<string, unknown>): void {
  for (const [name, [min, max]] of Object.entries(SHARED_FLAG_LIMITS)) {
    const v = args[name];
    // A number flag (bench's --workers is a list, checked by its own parser with the same bounds).
    if (typeof v === 'number') checkInteger(name, v, min, max);
  }
}
