// User errors: one sentence naming the file, the field path and what was expected; exit code 2.

/** An error in what the user gave us (a file, a flag): reported without a stack, exit 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A scenario field that fails validation. */
export class ScenarioError extends UserError {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly expected: string,
    readonly actual?: string,
  ) {
    super(`${file}: ${path || '(top level)'}: expected ${expected}${actual === undefined ? '' : `, got ${actual}`}`);
    this.name = 'ScenarioError';
  }
}

/** A short, safe rendering of a user value for messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/**
 * The one integer check of the flags and inputs: throw a UserError naming
 * `--name` unless `value` (when given) is a whole number in [min, max].
 */
export function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name}: expected a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** A comma-separated list of whole numbers in [min, max]. @throws UserError naming `--name`. */
export function parseIntegerList(name: string, text: string, min: number, max: number): number[] {
  const items = text.split(',').map((w) => w.trim());
  const list = items.map(Number);
  if (items.some((w) => w === '') || list.some((w) => !Number.isInteger(w) || w < min || w > max)) {
    throw new UserError(`--${name}: expected a comma-separated list of whole numbers from ${min} to ${max}, got "${text}"`);
  }
  return list;
}
