// The only reader of the published-trial data (data/trials.json): parse, validate with zod, check cross-references.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TrialData } from '../calibration/data.js';
import { ScenarioError, UserError } from './errors.js';
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
    price: z.number().min(0),
    year: z.number().int().optional(),
    note: z.string().optional(),
    source: text,
  })).default([]),
});

/** Validate a parsed trials document; `file` names it in messages. Throws ScenarioError. */
export function validateTrialData(doc: unknown, file: string, version = 'unversioned'): TrialData {
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw schemaError(parsed.error.issues[0], doc, file);
  const d = parsed.data;
  d.arms.forEach((arm, i) => {
    if (!(arm.population in d.populations)) {
      throw new ScenarioError(file, `arms[${i}].population`, `one of the populations (${Object.keys(d.populations).join(', ')})`, JSON.stringify(arm.population));
    }
    arm.byBaseline?.forEach((b, j) => {
      const [lo, hi] = b.band.split('-').map(Number);
      if (!(lo < hi) || lo < 0 || hi > 100) {
        throw new ScenarioError(file, `arms[${i}].byBaseline[${j}].band`, 'a band lo-hi with 0 <= lo < hi <= 100', JSON.stringify(b.band));
      }
    });
  });
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

/** Read and validate a trials file; its version is the first 12 hex digits of its SHA-256. */
export function loadTrialData(file: string): TrialData {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: expected a readable trials data file, got ${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ScenarioError(file, '', 'valid JSON', (err as Error).message);
  }
  const version = `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
  return validateTrialData(doc, file, version);
}
