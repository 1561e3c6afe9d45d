// Checks of command-line flags shared by the commands: one message naming the flag, exit 2.
import { UserError } from '../io/errors.js';

/** Throw a UserError unless `value` (when given) is a whole number in [min, max]. */
export function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name}: expected a whole number from ${min} to ${max}, got ${value}`);
  }
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
