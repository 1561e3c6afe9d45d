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
