// The only reader of the published-trial data (data/trials.json): parse, validate with zod, check cross-references.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TrialData } from '../calibration/data.js';
import { ScenarioError } from './errors.js';
import { decodeUtf8, readInputFile } from './inputFile.js';
import { parseJson, protoKeyPath } from './jsonText.js';
import { MAX_MONTHLY_PRICE, schemaError } from './scenario.js';

const rate = z.number().min(0).max(1);
const week = z.number().gt(0).max(520);
const text = z.string().min(1);

const responsePoint = z.object({
  week,
  salt20: rate,
  salt10: rate.optional(),
  approx: z.boolean().optional(),
});

const schema = z.object({
  about: z.string().optional(),
  populations: z.record(text, z.object({
    inclusion: text,
    meanSalt: z.number().min(50).max(100).nullable(),
    shareSalt95to100: rate.nullable(),
    meanEpisodeYears: z.number().gt(0).max(100).nullable(),
    note: z.string().optional(),
    source: text,
  })),
  arms: z.array(z.object({
    trial: text,
    population: text,
    drug: text,
    n: z.number().int().min(1).nullable(),
    response: z.array(responsePoint).min(1),
    byBaseline: z.array(z.object({
      band: z.string().regex(/^\d+(\.\d+)?-\d+(\.\d+)?$/, 'a band "lo-hi" such as "50-94"'),
      n: z.number().int().min(1),
      response: z.array(responsePoint).min(1),
    })).optional(),
    note: z.string().optional(),
    source: text,
  })).min(1),
  discontinuationForAdverseEvents: z.array(z.object({
    drug: text,
    trial: z.string().optional(),
    weeks: week.nullable(),
    share: rate.nullable(),
    note: z.string().optional(),
    source: z.string().optional(),
  })).default([]),
  switching: z.array(z.unknown()).optional(),
  // Version 2 sections (data/trials.json `about`): each optional, so version-1 files still load.
  subgroups: z.array(z.object({
    trial: text,
    population: text,
    week,
    endpoint: z.string().optional(),
    imputation: z.string().optional(),
    by: text,
    groups: z.array(z.object({
      group: text,
      arms: z.record(text, z.tuple([z.number().int().min(0), z.number().int().min(1)])),
    })).min(1),
    note: z.string().optional(),
    format: z.string().optional(),
    source: text,
  })).default([]),
  maintenance: z.array(z.object({
    trial: text,
    population: text,
    imputation: text,
    design: z.string().optional(),
    arms: z.array(z.object({
      from: text,
      to: text,
      n: z.number().int().min(1),
      nNote: z.string().optional(),
      points: z.array(z.object({ week, salt20: rate.optional(), lostBenefit: rate.optional() })).min(1),
    })).min(1),
    lostBenefit: z.string().optional(),
    source: text,
  })).default([]),
  withdrawal: z.array(z.object({
    trial: text,
    population: text,
    imputation: text,
    design: z.string().optional(),
    lostBenefit: z.string().optional(),
    arms: z.array(z.object({ from: text, to: text, n: z.number().int().min(1) })).min(1),
    points: z.array(z.object({
      week: week.optional(),
      weeksAfterStop: week.optional(),
      arm: z.string().optional(),
      arms: z.string().optional(),
      salt20: rate.optional(),
      lostBenefit: rate.optional(),
      recapturedSalt20: rate.optional(),
      note: z.string().optional(),
    })).min(1),
    trust: z.string().optional(),
    source: text,
  })).default([]),
  salt10: z.array(z.object({
    trial: text,
    population: text,
    week,
    imputation: z.string().optional(),
    arms: z.record(text, rate),
    note: z.string().optional(),
    source: text,
  })).default([]),
  monthlyListPriceUSD: z.array(z.object({
    drug: text,
    price: z.number().min(0).max(MAX_MONTHLY_PRICE),
    year: z.number().int().optional(),
    note: z.string().optional(),
    source: text,
  })).default([]),
});

/** Validate a parsed trials document; `file` names it in messages. Throws ScenarioError. */
export function validateTrialData(doc: unknown, file: string, version = 'unversioned'): TrialData {
  // A population named __proto__ would vanish from the parsed record (it sets the prototype instead).
  const proto = protoKeyPath(doc);
  if (proto !== null) throw new ScenarioError(file, proto, 'a name other than __proto__', undefined);
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw schemaError(parsed.error.issues[0], doc, file);
  const d = parsed.data;
  const fail = (path: string, expected: string, actual: string): never => {
    throw new ScenarioError(file, path, expected, actual);
  };
  /** Each point: SALT <= 10 is a subset of SALT <= 20; each week once. */
  const checkResponse = (response: { week: number; salt20: number; salt10?: number }[], at: string) => {
    const weeks = new Map<number, number>();
    response.forEach((r, k) => {
      if (r.salt10 !== undefined && r.salt10 > r.salt20) fail(`${at}[${k}].salt10`, `at most salt20 (${r.salt20}): SALT <= 10 is part of SALT <= 20`, String(r.salt10));
      const before = weeks.get(r.week);
      if (before !== undefined) fail(`${at}[${k}].week`, `a week not given before in this list (it is ${at}[${before}].week)`, String(r.week));
      weeks.set(r.week, k);
    });
  };
  const arms = new Map<string, number>();
  d.arms.forEach((arm, i) => {
    if (!Object.hasOwn(d.populations, arm.population)) {
      throw new ScenarioError(file, `arms[${i}].population`, `one of the populations (${Object.keys(d.populations).join(', ')})`, JSON.stringify(arm.population));
    }
    const key = JSON.stringify([arm.trial, arm.population, arm.drug]);
    const twin = arms.get(key);
    if (twin !== undefined) fail(`arms[${i}]`, `one arm per trial, population and drug (arms[${twin}] is the same)`, `${JSON.stringify(arm.trial)}, ${JSON.stringify(arm.drug)} again`);
    arms.set(key, i);
    checkResponse(arm.response, `arms[${i}].response`);
    const bands: [number, number, number][] = [];
    arm.byBaseline?.forEach((b, j) => {
      const [lo, hi] = b.band.split('-').map(Number);
      if (!(lo < hi) || lo < 0 || hi > 100) {
        throw new ScenarioError(file, `arms[${i}].byBaseline[${j}].band`, 'a band lo-hi with 0 <= lo < hi <= 100', JSON.stringify(b.band));
      }
      const overlap = bands.find(([l, h]) => lo <= h && l <= hi);
      if (overlap) fail(`arms[${i}].byBaseline[${j}].band`, `a band apart from the others (byBaseline[${overlap[2]}] is ${overlap[0]}-${overlap[1]})`, JSON.stringify(b.band));
      bands.push([lo, hi, j]);
      checkResponse(b.response, `arms[${i}].byBaseline[${j}].response`);
    });
  });
  // One figure per drug (and trial) for discontinuations, one price per drug: a second would silently replace the first.
  const once = <T>(list: T[], keyOf: (x: T) => string, at: string, what: string) => {
    const seen = new Map<string, number>();
    list.forEach((x, i) => {
      const k = keyOf(x);
      if (seen.has(k)) fail(`${at}[${i}]`, `one ${what} (${at}[${seen.get(k)}] is the same)`, k);
      seen.set(k, i);
    });
  };
  once(d.discontinuationForAdverseEvents.filter((x) => x.share !== null && x.weeks !== null), (x) => JSON.stringify(x.drug), 'discontinuationForAdverseEvents', 'discontinuation figure per drug');
  once(d.monthlyListPriceUSD, (x) => JSON.stringify(x.drug), 'monthlyListPriceUSD', 'price per drug');
  const sections = [['subgroups', d.subgroups], ['maintenance', d.maintenance], ['withdrawal', d.withdrawal], ['salt10', d.salt10]] as const;
  for (const [name, list] of sections) {
    list.forEach((entry, i) => {
      if (!(entry.population in d.populations)) {
        throw new ScenarioError(file, `${name}[${i}].population`, `one of the populations (${Object.keys(d.populations).join(', ')})`, JSON.stringify(entry.population));
      }
    });
  }
  return { ...d, version } as TrialData;
}

/** Largest trials data file read (bytes): the shipped one is about 10 KB. */
export const TRIALS_MAX_BYTES = 16 * 1024 * 1024;

/** Read and validate a trials file; its version is the first 12 hex digits of its SHA-256. */
export function loadTrialData(file: string): TrialData {
  const bytes = readInputFile(file, { expected: 'a readable trials data file', maxBytes: TRIALS_MAX_BYTES });
  const parsed = parseJson(decodeUtf8(bytes, file));
  if (!parsed.ok) throw new ScenarioError(file, parsed.duplicate?.path ?? '', parsed.duplicate ? 'each key at most once' : 'valid JSON', parsed.reason);
  const doc = parsed.doc;
  const version = `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
  return validateTrialData(doc, file, version);
}
