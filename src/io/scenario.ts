// The only reader of scenario files: parse YAML or JSON, validate with zod, fill defaults, check semantics.
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { moleculeOf, visitCountOf } from '../model/catalogRules.js';
import { correlationMatrix, correlationProblem } from '../model/correlation.js';
import type { Scenario } from '../model/scenario.js';
import { CALIBRATED_KIND, SHIPPED_CATALOG, rememberCalibrated } from './calibrated.js';
import { ScenarioError, describeValue } from './errors.js';
import { didYouMean } from './suggest.js';
import { InputFileError, MAX_TEXT_FILE_BYTES, readInputFile } from './inputFile.js';
import { FILE_LIMITS, decodeScenarioBytes, parseScenarioChecked, type LoadOptions } from './scenarioText.js';
import { parseUncertainty } from './uncertainty.js';

export { FILE_LIMITS, decodeScenarioBytes, documentDepth, parseScenarioChecked, parseScenarioText, type LoadOptions } from './scenarioText.js';

/** Defaults of every optional field: MODEL.md's canonical benchmark values unless noted (catalog, afterLastLine). */
export const DEFAULTS = {
  seed: 1,
  patients: 100_000,
  horizon: 36,
  visitEveryMonths: 1,
  responseThreshold: 20,
  switchGapMonths: 0,
  population: {
    salt0: [{ min: 95, max: 100, weight: 0.5 }, { min: 50, max: 95, weight: 0.5 }],
    durYears: { median: 3.5, sdlog: 0.8, min: 0.5, max: 20 },
    minoxidilShare: 0.3,
    worseningShare: 0.3,
    worseningMean: 1.5,
  },
  globals: {
    sigma: 1.0, k: 2.0, sTau: 0.5, betaDur: -0.3, refDurYears: 3.5,
    betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2.0,
    /** Version 2 (MODEL.md): off. */
    sTauOff: 0,
  },
  /**
   * A scenario without `catalog` gets the three approved drugs of the shipped calibrated catalog, by reference
   * (its fitted globals fill the globals the scenario leaves out), as if it said `catalog: { file, drugs }`.
   * The canonical benchmark's fixed, uncalibrated catalog is written out in scenarios/canonical-bench.yaml.
   */
  catalog: { file: SHIPPED_CATALOG, drugs: ['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg'] },
  /** Version 2 (MODEL.md "Loss of response on drug"): no escape. */
  escapeRate: 0,
  correlation: { rhoMolecule: 0.9, rhoClass: 0.5 },
  /** `stay`: a patient who fails every line keeps the last drug; `stop` (off all drugs) must be asked for. */
  policy: { failAtMonths: 6, afterLastLine: 'stay' as const, switchOnLoss: false, lossMarginPoints: 0 },
};

/** Limits that protect the machine; a scenario beyond them is refused. */
export const LIMITS = { patients: 1e9, visits: 10_000, drugs: 64, policies: 256, lines: 64 };
/** The limits under --allow-large (for a user who means it): still finite, so a typo cannot take the machine. */
export const LARGE_LIMITS: typeof LIMITS = { patients: Number.MAX_SAFE_INTEGER, visits: 1_000_000, drugs: 4096, policies: 65_536, lines: 4096 };
/** The hint appended to a message about a limit that --allow-large raises. */
export const ALLOW_LARGE_HINT = ' (a limit that protects the machine: pass --allow-large if you mean it)';

/** Largest monthly drug price and horizon (months): their products, squared and summed over patients, stay finite. */
export const MAX_MONTHLY_PRICE = 1e12;
export const MAX_HORIZON_MONTHS = 1e6;

const num = z.number();
const probability = num.min(0).max(1);
const positive = num.gt(0);
const nonNegative = num.min(0);
const salt = num.min(0).max(100);
const id = z.string().min(1).max(200);

const drugSchema = z.strictObject({
  id,
  molecule: id.optional(),
  mu: num,
  tau: positive,
  aeRate: nonNegative,
  escapeRate: nonNegative.default(DEFAULTS.escapeRate),
  // Bounded so that sums of squared costs over 2^53 patients stay finite (1e12 a month is no real price).
  monthlyPrice: nonNegative.max(MAX_MONTHLY_PRICE).optional(),
});

/**
 * A catalog file referenced by a scenario (`catalog: { file: ... }`), such as
 * the one `jaksim calibrate` writes: `drugs` (the catalog) and optional
 * `globals` (fitted globals); other keys (fit statistics, uncertainty) are
 * kept for analyses and ignored here.
 */
export const catalogFileSchema = z.object({
  drugs: z.array(drugSchema).min(1).max(LIMITS.drugs),
  globals: z.strictObject({
    sigma: nonNegative.optional(), k: positive.optional(), sTau: nonNegative.optional(), betaDur: num.optional(),
    refDurYears: positive.optional(), betaMinoxidil: num.optional(), betaVerySevere: num.optional(), tauOff: positive.optional(),
    sTauOff: nonNegative.optional(),
  }).optional(),
});

const makeSchema = (L: typeof LIMITS) => z.strictObject({
  name: id.optional(),
  description: z.string().optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(DEFAULTS.seed),
  patients: z.number().int().min(1).max(L.patients).default(DEFAULTS.patients),
  horizon: positive.max(MAX_HORIZON_MONTHS).default(DEFAULTS.horizon),
  visitEveryMonths: positive.default(DEFAULTS.visitEveryMonths),
  responseThreshold: salt.default(DEFAULTS.responseThreshold),
  switchGapMonths: nonNegative.default(DEFAULTS.switchGapMonths),
  population: z.strictObject({
    salt0: z.array(z.strictObject({ min: salt, max: salt, weight: nonNegative })).min(1)
      .default(DEFAULTS.population.salt0),
    durYears: z.strictObject({
      median: positive.default(DEFAULTS.population.durYears.median),
      sdlog: nonNegative.default(DEFAULTS.population.durYears.sdlog),
      min: positive.default(DEFAULTS.population.durYears.min),
      max: positive.default(DEFAULTS.population.durYears.max),
    }).prefault({}),
    minoxidilShare: probability.default(DEFAULTS.population.minoxidilShare),
    worseningShare: probability.default(DEFAULTS.population.worseningShare),
    worseningMean: nonNegative.default(DEFAULTS.population.worseningMean),
  }).prefault({}),
  globals: z.strictObject({
    sigma: nonNegative.default(DEFAULTS.globals.sigma),
    k: positive.default(DEFAULTS.globals.k),
    sTau: nonNegative.default(DEFAULTS.globals.sTau),
    betaDur: num.default(DEFAULTS.globals.betaDur),
    refDurYears: positive.default(DEFAULTS.globals.refDurYears),
    betaMinoxidil: num.default(DEFAULTS.globals.betaMinoxidil),
    betaVerySevere: num.default(DEFAULTS.globals.betaVerySevere),
    tauOff: positive.default(DEFAULTS.globals.tauOff),
    sTauOff: nonNegative.default(DEFAULTS.globals.sTauOff),
  }).prefault({}),
  catalog: z.array(drugSchema).min(1).max(L.drugs), // absent: DEFAULTS.catalog, resolved before the schema
  correlation: z.strictObject({
    rhoMolecule: num.min(-1).max(1).default(DEFAULTS.correlation.rhoMolecule),
    rhoClass: num.min(-1).max(1).default(DEFAULTS.correlation.rhoClass),
    matrix: z.array(z.array(num)).optional(),
  }).prefault({}),
  policies: z.array(z.strictObject({
    id,
    sequence: z.array(id).min(1).max(L.lines),
    failAtMonths: positive.default(DEFAULTS.policy.failAtMonths),
    extendIfImprovedPct: num.min(0).max(100).optional(),
    extendToMonths: positive.optional(),
    worseningFromMonths: nonNegative.optional(),
    worseningPoints: positive.optional(),
    afterLastLine: z.enum(['stop', 'stay']).default(DEFAULTS.policy.afterLastLine),
    switchOnLoss: z.boolean().default(DEFAULTS.policy.switchOnLoss),
    lossMarginPoints: nonNegative.default(DEFAULTS.policy.lossMarginPoints),
  })).min(1).max(L.policies),
  comparisons: z.array(z.tuple([id, id])).optional(),
  /** Parameter sweep (app/sweepGrid.ts): field path -> the values to run; several paths give the full grid. */
  sweep: z.record(z.string().min(1), z.array(z.unknown()).min(1)).optional(),
  /** Parameter uncertainty for `jaksim psa` (io/uncertainty.ts checks it). */
  uncertainty: z.unknown().optional(),
});
export const schema = makeSchema(LIMITS);
const largeSchema = makeSchema(LARGE_LIMITS);

/** Render a zod issue path as `policies[1].failAtMonths`. */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const part of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[part] : undefined;
  return v;
}

function expectedFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'a finite number' : `${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}`;
    case 'too_small':
      if (issue.origin === 'array') return `at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return 'a non-empty string';
      return `a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${issue.maximum} item(s)`;
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      return `a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format;
    default:
      return issue.message;
  }
}

/**
 * The ScenarioError for a zod issue on `doc` (read from `file`): field path, expectation, actual value.
 * With `quoteStrings: false` a string value is described by its length only (for files that may hold anything).
 */
export function schemaError(issue: z.core.$ZodIssue, doc: unknown, file: string, options: { quoteStrings?: boolean } = {}): ScenarioError {
  const actual = (v: unknown) => (options.quoteStrings === false && typeof v === 'string' ? `a string of ${v.length} characters` : describeValue(v));
  if (issue.code === 'unrecognized_keys') {
    const hint = didYouMean(String(issue.keys[0]), fieldsAt(issue.path));
    return new ScenarioError(file, pathText([...issue.path, issue.keys[0]]), `no such field (unknown key)${hint}`, undefined);
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') {
    return new ScenarioError(file, pathText(issue.path), 'a whole number', actual(valueAt(doc, issue.path)));
  }
  return new ScenarioError(file, pathText(issue.path), expectedFor(issue), actual(valueAt(doc, issue.path)));
}

/** The field names of the scenario mapping at `path` (list indices skipped), for "did you mean". */
function fieldsAt(path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (const part of path) node = typeof part === 'number' ? node : childSchema(node, String(part));
  return Object.keys(objectShape(node) ?? {});
}

/** Through defaults, optionals and lists to the object schema beneath, if any. */
function objectShape(node: z.core.$ZodType | undefined): Record<string, z.core.$ZodType> | undefined {
  for (let i = 0; node && i < 8; i++) {
    const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };
    if (def.type === 'object') return def.shape;
    node = def.innerType ?? def.element;
  }
  return undefined;
}

function childSchema(node: z.core.$ZodType | undefined, key: string): z.core.$ZodType | undefined {
  return objectShape(node)?.[key];
}

/** Validate a parsed document; `file` names it in messages. Throws ScenarioError. */
export function validateScenario(doc: unknown, file: string, options: LoadOptions = {}): Scenario {
  const L = options.allowLarge ? LARGE_LIMITS : LIMITS;
  const defaultCatalog = isMapping(doc) && doc.catalog === undefined;
  if (defaultCatalog) doc = withDefaultCatalog(doc as Record<string, unknown>, file);
  const parsed = (options.allowLarge ? largeSchema : schema).safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const err = schemaError(issue, doc, file);
    const isLimit = issue.code === 'too_big' && (issue.origin === 'array' || issue.path[issue.path.length - 1] === 'patients');
    if (isLimit && !options.allowLarge && !/^(population\.salt0|correlation\.matrix)/.test(err.path)) {
      throw new ScenarioError(file, err.path, `${err.expected}${ALLOW_LARGE_HINT}`, err.actual);
    }
    throw err;
  }
  const s = parsed.data;
  const fail = (path: string, expected: string, actual?: string): never => {
    throw new ScenarioError(file, path, expected, actual);
  };

  s.population.salt0.forEach((b, i) => {
    if (!(b.min < b.max)) fail(`population.salt0[${i}]`, 'min < max', `min ${b.min}, max ${b.max}`);
  });
  const totalWeight = s.population.salt0.reduce((a, b) => a + b.weight, 0);
  // A total that overflows (weights of 1e308) would turn every bin's share into 0 or NaN.
  if (!Number.isFinite(totalWeight)) fail('population.salt0', 'weights with a finite total', String(totalWeight));
  if (!(totalWeight > 0)) fail('population.salt0', 'a positive total weight', '0');
  const dur = s.population.durYears;
  if (dur.min > dur.max) fail('population.durYears', 'min <= max', `min ${dur.min}, max ${dur.max}`);
  const visits = visitCountOf(s.horizon, s.visitEveryMonths);
  if (visits < 1) fail('visitEveryMonths', `at most the horizon (${s.horizon})`, String(s.visitEveryMonths));
  if (visits > L.visits) fail('horizon', `at most ${L.visits} visits (horizon / visitEveryMonths)${options.allowLarge ? '' : ALLOW_LARGE_HINT}`, String(visits));

  const catalog = s.catalog.map((d) => ({ ...d, molecule: d.molecule ?? moleculeOf(d.id) }));
  const drugIds = new Set<string>();
  catalog.forEach((d, i) => {
    if (drugIds.has(d.id)) fail(`catalog[${i}].id`, 'a drug id not used before', JSON.stringify(d.id));
    drugIds.add(d.id);
  });
  if (s.correlation.matrix) {
    const m = s.correlation.matrix;
    if (m.length !== catalog.length) fail('correlation.matrix', `a ${catalog.length} x ${catalog.length} matrix (one row per catalog drug)`, `${m.length} rows`);
    const problem = correlationProblem(m);
    if (problem) fail('correlation.matrix', problem);
  } else {
    const r = correlationMatrix(catalog.map((d) => d.molecule), s.correlation.rhoMolecule, s.correlation.rhoClass);
    if (correlationProblem(r)) {
      fail('correlation', 'rhoMolecule and rhoClass giving a positive semi-definite correlation matrix',
        `rhoMolecule ${s.correlation.rhoMolecule}, rhoClass ${s.correlation.rhoClass}`);
    }
  }

  const policyIds = new Set<string>();
  s.policies.forEach((p, i) => {
    const at = `policies[${i}]`;
    if (policyIds.has(p.id)) fail(`${at}.id`, 'a policy id not used before', JSON.stringify(p.id));
    policyIds.add(p.id);
    p.sequence.forEach((d, j) => {
      if (!drugIds.has(d)) {
        const which = defaultCatalog ? 'the default catalog, the approved drugs as calibrated' : 'the catalog';
        fail(`${at}.sequence[${j}]`, `a drug of ${which} (${[...drugIds].join(', ')})${defaultCatalog ? '; other drugs need a catalog: field' : ''}`,
          `${JSON.stringify(d)}${didYouMean(d, [...drugIds])}`);
      }
    });
    if ((p.extendIfImprovedPct === undefined) !== (p.extendToMonths === undefined)) {
      fail(at, 'extendIfImprovedPct and extendToMonths together (the partial-response extension needs both)');
    }
    if (p.extendToMonths !== undefined && p.extendToMonths < p.failAtMonths) {
      fail(`${at}.extendToMonths`, `a number >= failAtMonths (${p.failAtMonths})`, String(p.extendToMonths));
    }
    if ((p.worseningFromMonths === undefined) !== (p.worseningPoints === undefined)) {
      fail(at, 'worseningFromMonths and worseningPoints together (the early-worsening rule needs both)');
    }
  });
  const ids = s.policies.map((p) => p.id);
  const comparisons = (s.comparisons ?? ids.slice(1).map((b) => [ids[0], b] as [string, string]));
  comparisons.forEach((pair, i) => pair.forEach((pid, j) => {
    if (!policyIds.has(pid)) fail(`comparisons[${i}][${j}]`, `a policy id (${ids.join(', ')})`, JSON.stringify(pid));
  }));

  const { uncertainty, ...rest } = s;
  return {
    ...rest,
    name: s.name ?? basename(file, extname(file)),
    catalog,
    comparisons,
    ...(uncertainty === undefined ? {} : { uncertainty: parseUncertainty(uncertainty, file) }),
  } as Scenario;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The shipped calibrated catalog's resolution (drugs and globals), read once per process. */
let defaultCatalogCache: { catalog: unknown; globals?: unknown } | undefined;

/** `doc` with DEFAULTS.catalog resolved as a catalog reference would be (its globals under the scenario's). */
function withDefaultCatalog(doc: Record<string, unknown>, file: string): Record<string, unknown> {
  defaultCatalogCache ??= resolveCatalogReference({ catalog: DEFAULTS.catalog }, file) as { catalog: unknown; globals?: unknown };
  const { catalog, globals } = structuredClone(defaultCatalogCache);
  const own = doc.globals === undefined ? {} : doc.globals;
  if (!isMapping(own)) return { ...doc, catalog };
  return { ...doc, catalog, globals: { ...(isMapping(globals) ? globals : {}), ...own } };
}

/**
 * Resolve `catalog: { file: F }` (F relative to the scenario file): the
 * scenario's catalog becomes F's `drugs`, and F's `globals` fill the globals
 * the scenario does not give explicitly (scenario > catalog file > DEFAULTS).
 * Errors in F name both files.
 */
export function resolveCatalogReference(doc: unknown, file: string, options: LoadOptions = {}): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const d = doc as Record<string, unknown>;
  const ref = d.catalog;
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return doc;
  const keys = Object.keys(ref);
  const target = (ref as Record<string, unknown>).file;
  const pick = (ref as Record<string, unknown>).drugs;
  const stray = keys.find((k) => k !== 'file' && k !== 'drugs');
  if (stray !== undefined && (typeof target === 'string' || didYouMean(stray, ['file', 'drugs']))) {
    throw new ScenarioError(file, `catalog.${stray}`, `no such field of a catalog reference { file, drugs }${didYouMean(stray, ['file', 'drugs'])}`);
  }
  if (typeof target !== 'string' || target === '') {
    throw new ScenarioError(file, 'catalog', 'a list of drugs or { file: <catalog file>, drugs: [<ids>] (optional) }', describeValue(ref));
  }
  if (pick !== undefined && (!Array.isArray(pick) || pick.length === 0 || pick.some((id) => typeof id !== 'string'))) {
    throw new ScenarioError(file, 'catalog.drugs', 'a non-empty list of drug ids of the catalog file', describeValue(pick));
  }
  const catalogFile = isAbsolute(target) ? target : join(dirname(file), target);
  const label = `${catalogFile} (catalog of ${file})`;
  let text: string;
  try {
    text = decodeScenarioBytes(readScenarioBytes(catalogFile, 'a readable catalog file', options), label);
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    throw new ScenarioError(file, 'catalog.file', 'a readable catalog file', `${describeValue(target)} (${err.reason})`);
  }
  const parsed = parseScenarioChecked(text, label, options);
  const checked = catalogFileSchema.safeParse(parsed);
  // The catalog file may be any file the scenario names: its values are described, never quoted.
  if (!checked.success) throw schemaError(checked.error.issues[0], parsed, label, { quoteStrings: false });
  if ((parsed as { kind?: unknown }).kind === CALIBRATED_KIND) rememberCalibrated(checked.data.drugs, catalogFile);
  // `drugs` picks a subset, in the order given (correlation and draws follow the scenario's catalog order).
  let drugs = checked.data.drugs;
  if (pick !== undefined) {
    drugs = (pick as string[]).map((id, i) => {
      const found = checked.data.drugs.find((x) => x.id === id);
      if (!found) throw new ScenarioError(file, `catalog.drugs[${i}]`, `a drug of ${catalogFile} (${checked.data.drugs.map((x) => x.id).join(', ')})`, `${JSON.stringify(id)}${didYouMean(id, checked.data.drugs.map((x) => x.id))}`);
      return found;
    });
  }
  const globals = d.globals === undefined ? {} : d.globals;
  if (globals === null || typeof globals !== 'object' || Array.isArray(globals)) return { ...d, catalog: drugs };
  return { ...d, catalog: drugs, globals: { ...(checked.data.globals ?? {}), ...globals } };
}

/** The byte limit of a scenario or catalog file: FILE_LIMITS, or under --allow-large the most that can be read as text. */
const fileBytesLimit = (options: LoadOptions) => (options.allowLarge ? MAX_TEXT_FILE_BYTES : FILE_LIMITS.bytes);

/**
 * Read a scenario or catalog file's bytes (io/inputFile.ts: a regular file, at most the limit read).
 * @throws InputFileError
 */
export function readScenarioBytes(file: string, expected: string, options: LoadOptions = {}): Buffer {
  return readInputFile(file, {
    expected, maxBytes: fileBytesLimit(options), limitHint: options.allowLarge ? ' (the most that can be read as text)' : ' (pass --allow-large if you mean it)',
  });
}

/** Read, parse and validate a scenario file. Throws ScenarioError for every user error. */
export function loadScenario(file: string, options: LoadOptions = {}): Scenario {
  let buf: Buffer;
  try {
    buf = readScenarioBytes(file, 'a readable scenario file', options);
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    if (err.tooLarge) throw new ScenarioError(file, '', `a file of at most ${fileBytesLimit(options)} bytes${options.allowLarge ? '' : ' (pass --allow-large if you mean it)'}`, err.reason.replace(/: over the limit.*$/, ''));
    throw new ScenarioError(file, '', err.expected, err.reason);
  }
  const doc = parseScenarioChecked(decodeScenarioBytes(buf, file), file, options);
  return validateScenario(resolveCatalogReference(doc, file, options), file, options);
}
