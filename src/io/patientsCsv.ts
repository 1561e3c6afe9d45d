// The patients file of `jaksim predict --batch`: CSV in long format, one row per SALT visit (the shape of a
// REDCap or EHR export of repeated visits), validated row by row (file, row, column, what was expected) and
// then patient by patient with the patient file's own checks (io/patientFacts.ts), mapped back to the row.
import { parse } from 'csv-parse/sync';
import { ScenarioError, UserError, describeValue } from './errors.js';
import { readInputText } from './inputFile.js';
import { validatePatient, STOP_REASONS, type PatientFacts } from './patientFacts.js';
import { didYouMean } from './suggest.js';

/** The columns, in the order the README lists them; `patient`, `salt0`, `durYears`, `minoxidil` are required. */
export const PATIENT_COLUMNS = ['patient', 'salt0', 'durYears', 'minoxidil', 'now', 'drug', 'start', 'stop', 'reason', 'month', 'salt'] as const;
type Column = (typeof PATIENT_COLUMNS)[number];
const REQUIRED: Column[] = ['patient', 'salt0', 'durYears', 'minoxidil'];
/** Per patient (the same on every row that gives them), per line of treatment (drug + start), per visit. */
const PATIENT_LEVEL: Column[] = ['salt0', 'durYears', 'minoxidil', 'now'];
const LINE_LEVEL: Column[] = ['stop', 'reason'];

/** Largest patients file read (bytes). */
export const PATIENTS_MAX_BYTES = 64 * 1024 * 1024;
/** Most patients in one batch. */
export const MAX_BATCH_PATIENTS = 100_000;

export interface BatchPatient { id: string; facts: PatientFacts }

const BOOLEAN: Record<string, boolean> = { true: true, false: false, yes: true, no: false, 1: true, 0: false };

interface Line { drug: string; start: number; stop?: number; reason?: string; row: number; visits: { month: number; value: number; row: number }[] }
interface Draft { id: string; row: number; fields: Partial<Record<Column, string | number | boolean>>; rowOf: Partial<Record<Column, number>>; lines: Line[] }

/**
 * Read and validate a patients CSV against the catalog's drug ids: every patient, in the order of first
 * appearance. @throws UserError (ScenarioError) naming the file, row and column; nothing is simulated before.
 */
export function loadPatientsCsv(file: string, drugIds: readonly string[]): BatchPatient[] {
  const text = readInputText(file, { expected: 'a readable patients CSV file', maxBytes: PATIENTS_MAX_BYTES });
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, bom: true, skip_empty_lines: true, relax_column_count: false, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new ScenarioError(file, `row ${e.lines ?? '?'}`, 'CSV (RFC 4180: fields separated by commas, quotes doubled inside quoted fields, the same number of fields on every row)', (e.message ?? '').replace(/^Invalid Record Length: /, '').slice(0, 160));
  }
  if (records.length === 0) throw new ScenarioError(file, 'row 1', `a header row naming the columns (${PATIENT_COLUMNS.join(', ')})`, 'an empty file');
  const header = records[0].record;
  const at = new Map<Column, number>();
  header.forEach((name, i) => {
    if (!(PATIENT_COLUMNS as readonly string[]).includes(name)) {
      throw new ScenarioError(file, `row 1, column ${i + 1}`, `a column name (${PATIENT_COLUMNS.join(', ')})`, `${describeValue(name)}${didYouMean(name, PATIENT_COLUMNS)}`);
    }
    if (at.has(name as Column)) throw new ScenarioError(file, `row 1, column ${i + 1}`, 'each column once', `${describeValue(name)} again`);
    at.set(name as Column, i);
  });
  for (const c of REQUIRED) if (!at.has(c)) throw new ScenarioError(file, 'row 1', `a column named ${c}`, `the columns ${header.join(', ')}`);
  if (records.length === 1) throw new ScenarioError(file, 'row 2', 'a row per SALT visit (or per patient with no visit)', 'the header alone');

  const drafts = new Map<string, Draft>();
  for (const { record, info } of records.slice(1)) {
    const row = info.lines;
    const fail = (c: Column, expected: string, actual?: string): never => {
      throw new ScenarioError(file, `row ${row}, column ${c}`, expected, actual);
    };
    const cell = (c: Column) => (at.has(c) ? record[at.get(c)!] : '');
    const num = (c: Column, min: number, max: number, what = 'a number'): number | undefined => {
      const t = cell(c);
      if (t === '') return undefined;
      const v = Number(t);
      if (!Number.isFinite(v) || v < min || v > max) fail(c, `${what} from ${min} to ${max}`, describeValue(t));
      return v;
    };
    const id = cell('patient');
    if (id === '') fail('patient', 'a patient id');
    let d = drafts.get(id);
    if (!d) {
      if (drafts.size >= MAX_BATCH_PATIENTS) fail('patient', `at most ${MAX_BATCH_PATIENTS} patients in one batch (split the file)`, `patient ${drafts.size + 1}`);
      d = { id, row, fields: {}, rowOf: {}, lines: [] };
      drafts.set(id, d);
    }
    const patientValues: Partial<Record<Column, string | number | boolean | undefined>> = {
      salt0: num('salt0', 0, 100, 'a SALT score'),
      durYears: num('durYears', 0, 100, 'years'),
      now: num('now', 0, 1200, 'a month'),
    };
    const mx = cell('minoxidil').toLowerCase();
    if (mx !== '' && !(mx in BOOLEAN)) fail('minoxidil', 'true or false (or yes/no, 1/0)', describeValue(cell('minoxidil')));
    patientValues.minoxidil = mx === '' ? undefined : BOOLEAN[mx];
    for (const c of PATIENT_LEVEL) {
      const v = patientValues[c];
      if (v === undefined) continue;
      if (d.fields[c] !== undefined && d.fields[c] !== v) {
        fail(c, `the value given for patient ${id} on row ${d.rowOf[c]} (${d.fields[c]}), or nothing`, describeValue(cell(c)));
      }
      d.fields[c] = v;
      d.rowOf[c] ??= row;
    }
    const drug = cell('drug');
    const start = num('start', 0, 1200, 'a month');
    const stop = num('stop', 0, 1200, 'a month');
    const reason = cell('reason');
    const month = num('month', 0, 1200, 'a month');
    const salt = num('salt', 0, 100, 'a SALT score');
    if (drug === '') {
      for (const c of ['start', 'stop', 'reason', 'month', 'salt'] as Column[]) if (cell(c) !== '') fail(c, 'nothing on a row without a drug (a patient with no treatment yet)', describeValue(cell(c)));
      continue;
    }
    if (start === undefined) fail('start', `the month ${drug} was started (months since the first drug)`, 'nothing');
    if (reason !== '' && !(STOP_REASONS as readonly string[]).includes(reason)) fail('reason', `one of ${STOP_REASONS.join(', ')}`, `${describeValue(reason)}${didYouMean(reason, STOP_REASONS)}`);
    if ((month === undefined) !== (salt === undefined)) fail(month === undefined ? 'month' : 'salt', 'month and salt together (a SALT visit), or neither', 'one of them');
    let line = d.lines.find((l) => l.drug === drug && l.start === start);
    if (!line) d.lines.push(line = { drug, start: start!, row, visits: [] });
    const lineValues: Partial<Record<Column, string | number | undefined>> = { stop, reason: reason === '' ? undefined : reason };
    for (const c of LINE_LEVEL) {
      const v = lineValues[c];
      if (v === undefined) continue;
      const before = (line as unknown as Record<string, unknown>)[c];
      if (before !== undefined && before !== v) fail(c, `the ${c} given for ${drug} from month ${start} on an earlier row (${String(before)}), or nothing`, describeValue(cell(c)));
      (line as unknown as Record<string, unknown>)[c] = v;
    }
    if (month !== undefined) {
      const twice = line.visits.find((v) => v.month === month);
      if (twice) fail('month', `one SALT score per month of a line (row ${twice.row} has month ${month} of ${drug} from month ${start})`, String(month));
      line.visits.push({ month, value: salt!, row });
    }
  }
  return [...drafts.values()].map((d) => patientOf(d, file, drugIds));
}

/** One patient's rows as a patient document, validated; an error names the row and column it comes from. */
function patientOf(d: Draft, file: string, drugIds: readonly string[]): BatchPatient {
  for (const c of REQUIRED.slice(1)) if (d.fields[c] === undefined) throw new ScenarioError(file, `row ${d.row}, column ${c}`, `a value for patient ${d.id} on one of its rows`, 'nothing');
  const lines = [...d.lines].sort((a, b) => a.start - b.start);
  lines.forEach((l) => l.visits.sort((a, b) => a.month - b.month));
  const doc = {
    salt0: d.fields.salt0, durYears: d.fields.durYears, minoxidil: d.fields.minoxidil,
    ...(d.fields.now !== undefined ? { now: d.fields.now } : {}),
    history: lines.map((l) => ({
      drug: l.drug, start: l.start, ...(l.stop !== undefined ? { stop: l.stop } : {}), ...(l.reason !== undefined ? { reason: l.reason } : {}),
      salt: l.visits.map((v) => ({ month: v.month, value: v.value })),
    })),
  };
  try {
    return { id: d.id, facts: validatePatient(doc, file, drugIds) };
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const m = /^history\[(\d+)\](?:\.salt\[(\d+)\](?:\.(month|value))?|\.(\w+))?$/.exec(err.path);
    const line = m ? lines[Number(m[1])] : undefined;
    const visit = line && m![2] !== undefined ? line.visits[Number(m![2])] : undefined;
    const row = visit?.row ?? line?.row ?? d.rowOf[err.path as Column] ?? d.row;
    const column = m ? (m[3] === 'value' ? 'salt' : m[3] ?? m[4]) : err.path;
    const where = `row ${row}${column ? `, column ${column}` : ''} (patient ${d.id})`;
    throw new UserError(`${file}: ${where}: expected ${err.expected}${err.actual === undefined ? '' : `, got ${err.actual}`}`);
  }
}
