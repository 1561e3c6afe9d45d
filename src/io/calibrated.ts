// Which drug parameters were calibrated: those read from a catalog file written by `jaksim calibrate`
// (kind: jaksim-calibrated-catalog), the shipped one always among them. A run on any other parameters is warned.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { MAX_TEXT_FILE_BYTES, readInputText } from './inputFile.js';
import type { Drug, Scenario } from '../model/scenario.js';

/** The calibrated catalog shipped with the package (its `files` include scenarios/). */
export const SHIPPED_CATALOG = fileURLToPath(new URL('../../scenarios/catalog.calibrated.yaml', import.meta.url));
/** The `kind` that `jaksim calibrate` writes into a catalog file. */
export const CALIBRATED_KIND = 'jaksim-calibrated-catalog';

type DrugParameters = Pick<Drug, 'id' | 'mu' | 'tau' | 'aeRate'>;
/** What the checks read of a scenario: its catalog and the drug sequences of its policies. */
type Uses = { catalog: readonly DrugParameters[]; policies: readonly { sequence: readonly string[] }[] };

/** Drug id and the three calibrated numbers, exactly: a changed value is not calibrated any more. */
const key = (d: DrugParameters) => `${d.id}\u0000${d.mu}\u0000${d.tau}\u0000${d.aeRate}`;
const calibrated = new Set<string>();
let shippedRead = false;

/**
 * Record the drugs of a calibrated catalog file that a scenario referenced (`file`: the shipped catalog's are then
 * known, and it is not read again).
 */
export function rememberCalibrated(drugs: readonly DrugParameters[], file?: string): void {
  for (const d of drugs) calibrated.add(key(d));
  if (file !== undefined && resolve(file) === SHIPPED_CATALOG) shippedRead = true;
}

/** Top-level keys of a catalog file that the check reads. */
const CHECKED_KEYS = new Set(['kind', 'drugs']);

/**
 * The top-level `kind` and `drugs` of a catalog file's text, parsed without the rest: the shipped catalog's
 * uncertainty section is most of it, and parsing all of it was about 0.1 s of every run's start-up. The text
 * is cut at the lines that start a top-level key; when anything else stands at the left margin (a document
 * marker, a directive, a sequence item, a quoted key), a key repeats, or the kept part has an anchor, alias or
 * tag character, the whole text is parsed instead. (A file broken in another section is refused where it is
 * read whole: a scenario's `catalog: { file }`, predict.)
 */
export function checkedSections(text: string): unknown {
  const kept: string[] = [];
  const seen = new Set<string>();
  let keeping = false;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ') || line.startsWith('#')) {
      if (keeping) kept.push(line);
      continue;
    }
    const name = /^([A-Za-z][\w-]*):(?: |$)/.exec(line)?.[1];
    if (name === undefined || seen.has(name)) return YAML.parse(text);
    seen.add(name);
    keeping = CHECKED_KEYS.has(name);
    if (keeping) kept.push(line);
  }
  const part = kept.join('\n');
  return /[&*!]/.test(part) ? YAML.parse(text) : YAML.parse(part);
}

function readShipped(): void {
  if (shippedRead) return;
  shippedRead = true;
  try {
    const doc = checkedSections(readInputText(SHIPPED_CATALOG, { expected: 'the shipped calibrated catalog', maxBytes: MAX_TEXT_FILE_BYTES })) as { kind?: string; drugs?: DrugParameters[] };
    if (doc?.kind === CALIBRATED_KIND && Array.isArray(doc.drugs)) rememberCalibrated(doc.drugs);
  } catch {
    // Unreadable: nothing counts as calibrated, so every run is warned (the safe side).
  }
}

/** The catalog drugs the policies use whose parameters were not calibrated, in catalog order. */
export function uncalibratedDrugs(s: Uses): string[] {
  readShipped();
  const used = new Set(s.policies.flatMap((p) => p.sequence));
  return s.catalog.filter((d) => used.has(d.id) && !calibrated.has(key(d))).map((d) => d.id);
}

/** The warning for such drugs (stderr and report), or null when every drug used is calibrated. */
export function calibrationWarning(drugs: readonly string[]): string | null {
  if (drugs.length === 0) return null;
  return `warning: drug parameters not calibrated to the trials: ${drugs.join(', ')}. Leave out catalog: for `
    + 'the approved drugs as calibrated, or refer to a calibrated catalog file (README, "Scenario files").';
}

/** The policies that leave a patient off all drugs once the last line has failed (afterLastLine: stop). */
export function offDrugPolicies(s: Pick<Scenario, 'policies'>): string[] {
  return s.policies.filter((p) => p.afterLastLine === 'stop').map((p) => p.id);
}

/** The note naming those policies (console, report), or null when there are none (the default, stay, keeps the last drug). */
export function offDrugNote(ids: readonly string[]): string | null {
  if (ids.length === 0) return null;
  return `Off all drugs once the last line fails (afterLastLine: stop): ${ids.join(', ')}.`;
}

/**
 * The drugs a sweep runs on uncalibrated parameters: those of the base scenario, and any drug whose mu, tau or
 * aeRate the sweep sets to a value that is not calibrated.
 */
export function sweepUncalibratedDrugs(base: Uses, parameters: readonly { path: string; values: readonly unknown[] }[]): string[] {
  const ids = new Set(uncalibratedDrugs(base));
  const used = new Set(base.policies.flatMap((p) => p.sequence));
  for (const p of parameters) {
    const m = /^catalog\[(\d+)\]\.(mu|tau|aeRate)$/.exec(p.path);
    const drug = m ? base.catalog[Number(m[1])] : undefined;
    if (drug && used.has(drug.id) && p.values.some((v) => !calibrated.has(key({ ...drug, [m![2]]: v })))) ids.add(drug.id);
  }
  return base.catalog.filter((d) => ids.has(d.id)).map((d) => d.id);
}

/** The policies that stop all drugs at some grid point of a sweep (from the points' results). */
export function offDrugInResults(results: readonly { policies: readonly { id: string; offAllDrugsAfterLastLine: boolean }[] }[]): string[] {
  return [...new Set(results.flatMap((r) => r.policies.filter((p) => p.offAllDrugsAfterLastLine).map((p) => p.id)))];
}
