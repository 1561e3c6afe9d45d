// The only reader of the published-trial data (data/trials.json): parse, validate with zod, check cross-references.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TrialData } from '../calibration/data.js';
import { ScenarioError } from './errors.js';
import { decodeUtf8, readInputFile } from './inputFile.js';
import { parseJson, protoKeyPath } from './jsonText.js';
import { schemaError } from './scenario.js';

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
    meanEpisodeYears: z.number().gt(0).nullable(),
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
  monthlyListPriceUSD: z.array(z.object({
    drug: text,
    price: z.number().min(0),
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
  d.arms.forEach((arm, i) => {
    if (!Object.hasOwn(d.populations, arm.population)) {
      throw new ScenarioError(file, `arms[${i}].population`, `one of the populations (${Object.keys(d.populations).join(', ')})`, JSON.stringify(arm.population));
    }
    arm.byBaseline?.forEach((b, j) => {
      const [lo, hi] = b.band.split('-').map(Number);
      if (!(lo < hi) || lo < 0 || hi > 100) {
        throw new ScenarioError(file, `arms[${i}].byBaseline[${j}].band`, 'a band lo-hi with 0 <= lo < hi <= 100', JSON.stringify(b.band));
      }
    });
  });
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
