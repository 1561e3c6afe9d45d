// The posterior draws of a calibration (written by `jaksim calibrate` beside its catalog, referenced from the
// catalog's `posterior:` key) and the lookup `jaksim psa` uses to find them from a scenario file.
import { dirname, isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.js';
import { UserError } from './errors.js';
import { decodeUtf8, readInputFile } from './inputFile.js';
import { parseJson } from './jsonText.js';
import { decodeScenarioBytes, parseScenarioChecked, readScenarioBytes } from './scenario.js';

export const POSTERIOR_FORMAT = 'jaksim-posterior-draws';
export const POSTERIOR_FORMAT_VERSION = 1;

/** Columns of draws: per drug of the calibration its mu and tau, and each fitted global; draw k is index k of every column. */
export interface PosteriorDraws {
  format: typeof POSTERIOR_FORMAT;
  formatVersion: number;
  /** How the draws were made (sampling-importance-resampling from a Laplace proposal; priors; likelihood). */
  method: string;
  seed: number;
  proposals: number;
  draws: number;
  /** Effective sample size of the importance weights, (sum w)^2 / sum w^2, and the largest normalised weight. */
  ess: number;
  maxWeight: number;
  drugs: Record<string, { mu: number[]; tau: number[] }>;
  globals: Record<string, number[]>;
  /** The point estimates the draws belong to, as written in the catalog (a changed catalog is detected). */
  estimate: { drugs: Record<string, { mu: number; tau: number }>; globals: Record<string, number> };
}

const column = z.array(z.number()).min(1);
const schema = z.object({
  format: z.literal(POSTERIOR_FORMAT),
  formatVersion: z.literal(POSTERIOR_FORMAT_VERSION),
  method: z.string(),
  seed: z.number(),
  proposals: z.number().int().min(1),
  draws: z.number().int().min(1),
  ess: z.number(),
  maxWeight: z.number(),
  drugs: z.record(z.string(), z.object({ mu: column, tau: column })),
  globals: z.record(z.string(), column),
  estimate: z.object({ drugs: z.record(z.string(), z.object({ mu: z.number(), tau: z.number() })), globals: z.record(z.string(), z.number()) }),
});

/** Write the draws (compact JSON, atomically). */
export function writePosteriorDraws(file: string, draws: PosteriorDraws): void {
  writeFileAtomic(file, `${JSON.stringify(draws)}\n`);
}

/** Largest posterior draws file read (bytes). */
const DRAWS_MAX_BYTES = 256 * 1024 * 1024;

/** Read and check a draws file; every problem is a UserError naming it. */
export function readPosteriorDraws(file: string): PosteriorDraws {
  const expected = 'the posterior draws written by jaksim calibrate';
  // The one input reader: a regular file, at most the limit read; JSON without duplicate or __proto__ keys.
  const json = parseJson(decodeUtf8(readInputFile(file, { expected, maxBytes: DRAWS_MAX_BYTES }), file));
  if (!json.ok) throw new UserError(`${file}: expected ${expected}, got ${json.reason}`);
  const doc = json.doc;
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: not valid posterior draws: ${issue.path.join('.') || '(top level)'}: ${issue.message.slice(0, 160)}`);
  }
  const d = parsed.data as PosteriorDraws;
  const lengths = [...Object.values(d.drugs).flatMap((x) => [x.mu.length, x.tau.length]), ...Object.values(d.globals).map((g) => g.length)];
  if (lengths.some((n) => n !== d.draws)) throw new UserError(`${file}: not valid posterior draws: every column must hold ${d.draws} draws`);
  return d;
}

/** A YAML or JSON document the scenario loader has already accepted. */
export const readDocument = (f: string, what: string) => parseScenarioChecked(decodeScenarioBytes(readScenarioBytes(f, what, { allowLarge: true }), f), f, { allowLarge: true });

/** What a scenario's calibrated catalog offers `from: calibration`. */
export interface CalibratedSource {
  /** The catalog file the scenario references, and its posterior draws (null when the catalog has none). */
  catalogFile: string;
  drawsFile: string | null;
  /** Globals the scenario sets itself (they override the catalog's, so they are not drawn from it). */
  scenarioGlobals: string[];
}

/**
 * The calibrated catalog behind `catalog: { file: F }` of a scenario file and
 * the draws its `posterior.file` names (relative to F); undefined when the
 * scenario's catalog is inline. Reads files the scenario loader has already accepted.
 */
export function calibratedSourceOf(scenarioFile: string): CalibratedSource | undefined {
  const doc = readDocument(scenarioFile, 'a readable scenario file') as Record<string, unknown>;
  const ref = doc?.catalog as Record<string, unknown> | undefined;
  if (!ref || typeof ref !== 'object' || Array.isArray(ref) || typeof ref.file !== 'string') return undefined;
  const catalogFile = isAbsolute(ref.file) ? ref.file : join(dirname(scenarioFile), ref.file);
  const drawsFile = catalogDrawsFile(catalogFile);
  const globals = doc.globals !== null && typeof doc.globals === 'object' ? Object.keys(doc.globals as object) : [];
  return { catalogFile, drawsFile, scenarioGlobals: globals };
}

/** The posterior draws file a calibrated catalog's `posterior.file` names (relative to the catalog), or null. */
export function catalogDrawsFile(catalogFile: string): string | null {
  const catalog = readDocument(catalogFile, 'a readable catalog file') as Record<string, unknown>;
  const posterior = catalog?.posterior as Record<string, unknown> | undefined;
  return posterior && typeof posterior.file === 'string'
    ? (isAbsolute(posterior.file) ? posterior.file : join(dirname(catalogFile), posterior.file)) : null;
}

/** The catalog's `posterior:` entry for draws written to `drawsFile`: the path relative to the catalog, and a summary. */
export function posteriorReference(catalogFile: string, drawsFile: string, d: PosteriorDraws): Record<string, unknown> {
  return {
    file: relative(dirname(catalogFile), drawsFile) || drawsFile,
    draws: d.draws,
    proposals: d.proposals,
    effectiveSampleSize: Number(d.ess.toPrecision(4)),
    method: d.method,
  };
}
