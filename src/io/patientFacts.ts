// The facts of one patient (`jaksim predict`, its batch mode, the clinic page): a parsed document validated with
// zod, then checked against the scenario's catalog and against what the model can produce (one clear message
// per problem, exit 2). No node:* import: the clinic page's Web Worker validates its form with this same code.
import { z } from 'zod';
import { ScenarioError, describeValue } from './errors.js';
import { didYouMean } from './suggest.js';

export const STOP_REASONS = ['failure', 'adverse-event', 'loss-of-response', 'other'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const month = z.number().finite().min(0).max(1200);
const lineSchema = z.strictObject({
  drug: z.string().min(1),
  start: month,
  stop: month.optional(),
  reason: z.enum(STOP_REASONS).optional(),
  salt: z.array(z.strictObject({ month, value: z.number().finite().min(0).max(100) })).max(1000).default([]),
});
const patientSchema = z.strictObject({
  salt0: z.number().finite().min(0).max(100),
  durYears: z.number().finite().positive().max(100),
  minoxidil: z.boolean(),
  /** The end of the history; default: the last stop, or the last SALT score (or start) of a running line. */
  now: month.optional(),
  history: z.array(lineSchema).max(100).default([]),
});

export type PatientLine = z.infer<typeof lineSchema>;
export type PatientFacts = z.infer<typeof patientSchema> & { now: number };

const FIELDS: Record<string, string[]> = {
  '': Object.keys(patientSchema.shape), history: Object.keys(lineSchema.shape), salt: ['month', 'value'],
};

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function issueError(issue: z.core.$ZodIssue, doc: unknown, file: string): ScenarioError {
  const at = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const named = [...issue.path].reverse().find((p) => typeof p === 'string');
    const known = FIELDS[named === undefined ? '' : String(named)] ?? [];
    const key = String(issue.keys[0]);
    return new ScenarioError(file, pathText([...issue.path, key]), `no such field (unknown key)${didYouMean(key, known)}`);
  }
  const expected = issue.code === 'invalid_value' ? `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    : issue.code === 'too_small' || issue.code === 'too_big' ? issue.message.replace(/^Too (small|big): expected /, '')
    : issue.code === 'invalid_type' ? (issue.expected === 'boolean' ? 'true or false' : `a ${issue.expected}`) : issue.message;
  return new ScenarioError(file, at, expected, describeValue(valueAt(doc, issue.path)));
}

/**
 * Validate a parsed patient document against the catalog's drug ids. Refuses what the model cannot produce:
 * a drug not in the catalog, lines out of order or overlapping, a SALT score outside its line (a response on a
 * drug never taken), scores out of order, a reason without a stop.
 */
export function validatePatient(doc: unknown, file: string, drugIds: readonly string[]): PatientFacts {
  const parsed = patientSchema.safeParse(doc);
  if (!parsed.success) {
    // A misspelt field is reported as such, before the missing field it was meant to be.
    const issues = parsed.error.issues;
    throw issueError(issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0], doc, file);
  }
  const p = parsed.data;
  const fail = (path: string, expected: string, actual?: string): never => { throw new ScenarioError(file, path, expected, actual); };
  let previousEnd = 0;
  p.history.forEach((line, i) => {
    const at = `history[${i}]`;
    if (!drugIds.includes(line.drug)) fail(`${at}.drug`, `a drug of the scenario's catalog (${drugIds.join(', ')})`, `${JSON.stringify(line.drug)}${didYouMean(line.drug, drugIds)}`);
    if (i === 0 && line.start !== 0) fail(`${at}.start`, '0 (months are counted from the first drug)', String(line.start));
    if (line.start < previousEnd) fail(`${at}.start`, `a month at or after the previous line's stop (${previousEnd})`, String(line.start));
    if (line.stop === undefined && i < p.history.length - 1) fail(`${at}.stop`, 'a stop month (only the last line may still be running)', 'nothing');
    if (line.stop !== undefined && !(line.stop > line.start)) fail(`${at}.stop`, `a month after the start (${line.start})`, String(line.stop));
    if (line.reason !== undefined && line.stop === undefined) fail(`${at}.reason`, 'a reason only with a stop month', JSON.stringify(line.reason));
    let last = -Infinity;
    line.salt.forEach((s, j) => {
      const end = line.stop ?? Infinity;
      if (s.month < line.start || s.month > end) {
        fail(`${at}.salt[${j}].month`, `a month on ${line.drug} (from ${line.start}${line.stop === undefined ? '' : ` to ${line.stop}`}): scores are recorded on the line they belong to`, String(s.month));
      }
      if (!(s.month > last)) fail(`${at}.salt[${j}].month`, `months in increasing order (after ${last})`, String(s.month));
      last = s.month;
    });
    previousEnd = line.stop ?? Math.max(line.start, last);
  });
  const runningEnd = p.history.length === 0 ? 0 : previousEnd;
  if (p.now !== undefined && p.now < runningEnd) fail('now', `a month at or after the end of the history (${runningEnd})`, String(p.now));
  checkAdverseEvents(p.history, file);
  return { ...p, now: p.now ?? runningEnd };
}

/**
 * The model draws one adverse-event time per drug, counted from the start of each line on it: two adverse-event
 * stops on one drug after different months, or a line on the drug running longer than the months after which
 * it stopped for an adverse event, cannot happen.
 */
function checkAdverseEvents(history: PatientLine[], file: string): void {
  const aeMonths = new Map<string, { months: number; index: number }>();
  history.forEach((line, i) => {
    if (line.reason !== 'adverse-event') return;
    const months = line.stop! - line.start;
    const seen = aeMonths.get(line.drug);
    if (seen && seen.months !== months) {
      throw new ScenarioError(file, `history[${i}]`, `the same months on ${line.drug} as its earlier adverse-event stop (history[${seen.index}], after ${seen.months} months): the model has one adverse-event time per drug`, `${months} months`);
    }
    aeMonths.set(line.drug, { months, index: i });
  });
  history.forEach((line, i) => {
    const ae = aeMonths.get(line.drug);
    if (!ae || line.reason === 'adverse-event' || line.stop === undefined) return;
    if (line.stop - line.start > ae.months) {
      throw new ScenarioError(file, `history[${i}]`, `at most ${ae.months} months on ${line.drug} (history[${ae.index}] stopped for an adverse event after ${ae.months} months: the model has one adverse-event time per drug)`, `${line.stop - line.start} months`);
    }
  });
}
