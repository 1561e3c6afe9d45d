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
