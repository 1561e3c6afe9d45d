// Checks of command-line flags shared by the commands: one message naming the flag, exit 2.
import { UserError } from '../io/errors.js';

/** Throw a UserError unless `value` (when given) is a whole number in [min, max]. */
export function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name}: expected a whole number from ${min} to ${max}, got ${value}`);
  }
}
