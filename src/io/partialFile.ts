// The partial-result file of a shard (`run --shard i/n`, sweep shards): per-block aggregates with the scenario,
// its hash, seed and engine version; written by app/shards.ts, read and checked here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Scenario } from '../model/scenario.js';
import { blockFromBytes, blockToBytes } from './blockBytes.js';
import { UserError } from './errors.js';
import { documentHash } from './hash.js';
import { InputFileError, MAX_TEXT_FILE_BYTES, PARTIAL_MAX_BYTES, readInputFile } from './inputFile.js';
import { parseJson } from './jsonText.js';

/** Version of the partial-file format below; a reader refuses any other. */
export const PARTIAL_FORMAT_VERSION = 2;
export const PARTIAL_FORMAT = 'jaksim-partial';
export { PARTIAL_MAX_BYTES };

export interface PartialResult {
  format: typeof PARTIAL_FORMAT;
  formatVersion: number;
  engineVersion: string;
  /** Hash of the engine's code (version.ts engineFingerprint): partials of different code never merge. */
  engineFingerprint: string;
  scenarioHash: string;
  seed: number;
  patients: number;
  blockSize: number;
  blockCount: number;
  layoutLength: number;
  /** Which shard wrote it: i of n (1-based). */
  shard: { index: number; count: number };
  /**
   * Sweeps number the work units (grid point, block) across the whole grid:
   * block b of this grid point is unit blockOffset + b, which belongs to
   * shard ((blockOffset + b) mod n) + 1. Absent (0) for a plain run.
   */
  blockOffset?: number;
  workers: number;
  /**
   * What a shard of an analysis other than a run or sweep was started with, so that `jaksim merge` can
   * redo the analysis's summaries: a PSA re-reads its scenario file (and the calibration draws it names)
   * at this absolute path, and the scenario hash proves it unchanged.
   */
  analysis?: PsaShardAnalysis;
  /** The resolved scenario, so a merge needs no scenario file. */
  scenario: Scenario;
  /** A shard of `predict --batch` (app/predictBatch.ts): the patients and settings; its blocks are patients. */
  predictBatch?: Record<string, unknown>;
  /** Each covered block's own aggregates: little-endian Float64 values, base64. */
  blocks: { index: number; data: string }[];
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  checksum: string;
}

/** The `psa` command a PSA shard ran (its flags that change the analysis). */
export interface PsaShardAnalysis {
  kind: 'psa';
  scenarioFile: string;
  draws: number;
  patientsPerDraw: number;
  seed?: number;
  decisionMonth?: number;
  wtp?: number;
}

function checksumOf(doc: Omit<PartialResult, 'checksum'>): string {
  return documentHash(doc);
}

/** A block as base64 of its little-endian Float64 bytes. */
export function encodeBlock(a: Float64Array): string {
  return blockToBytes(a).toString('base64');
}

/** The block of `length` numbers in base64 text, or null when the text is not that. */
export function decodeBlock(text: string, length: number): Float64Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return blockFromBytes(Buffer.from(text, 'base64'), length);
}

/**
 * Refuse, before simulating, a partial file of `blocks` blocks larger than merge reads (PARTIAL_MAX_BYTES,
 * or under --allow-large the most that can be read as text). @throws UserError
 */
export function checkPartialSize(what: string, blocks: number, layoutLength: number, allowLarge = false): void {
  // Each block: its numbers as base64 of 8 bytes each, and its index; the scenario is small beside them.
  const bytes = blocks * (Math.ceil((layoutLength * 8) / 3) * 4 + 40) + 1024 * 1024;
  const limit = allowLarge ? MAX_TEXT_FILE_BYTES : PARTIAL_MAX_BYTES;
  if (bytes > limit) {
    throw new UserError(`${what}: its partial file would be about ${Math.ceil(bytes / 1024 ** 2)} MiB, over the ${limit / 1024 ** 2} MiB merge reads${allowLarge ? '' : ' without --allow-large'}: use more shards`);
  }
}

/** Build a partial result document. */
export function makePartial(fields: Omit<PartialResult, 'format' | 'formatVersion' | 'checksum' | 'blocks'>, blocks: Map<number, Float64Array>): PartialResult {
  const doc = {
    format: PARTIAL_FORMAT,
    formatVersion: PARTIAL_FORMAT_VERSION,
    ...fields,
    blocks: [...blocks.keys()].sort((a, b) => a - b).map((index) => ({ index, data: encodeBlock(blocks.get(index)!) })),
  } as Omit<PartialResult, 'checksum'>;
  return { ...doc, checksum: checksumOf(doc) };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const partialSchema = z.strictObject({
  format: z.literal(PARTIAL_FORMAT),
  formatVersion: z.literal(PARTIAL_FORMAT_VERSION),
  engineVersion: z.string().min(1).max(100),
  engineFingerprint: z.string().min(1).max(100),
  scenarioHash: hex64,
  seed: count,
  patients: count.min(1),
  blockSize: count.min(1),
  blockCount: count.min(1),
  layoutLength: count.min(1).max(100_000_000),
  shard: z.strictObject({ index: count.min(1), count: count.min(1) }),
  blockOffset: count.optional(),
  workers: count.min(1),
  analysis: z.strictObject({
    kind: z.literal('psa'),
    scenarioFile: z.string().min(1).max(4096),
    draws: count.min(2),
    patientsPerDraw: count.min(1),
    seed: count.optional(),
    decisionMonth: z.number().finite().positive().optional(),
    wtp: z.number().finite().min(0).optional(),
  }).optional(),
  scenario: z.record(z.string(), z.unknown()),
  predictBatch: z.record(z.string(), z.unknown()).optional(),
  blocks: z.array(z.strictObject({ index: count, data: z.string() })),
  checksum: hex64,
});

/** Read and check one partial file; every problem is a UserError naming the file. */
export function readPartial(file: string, maxBytes = PARTIAL_MAX_BYTES): { partial: PartialResult; blocks: Map<number, Float64Array> } {
  const bad = (what: string): never => {
    throw new UserError(`${file}: not a valid partial result: ${what}`);
  };
  let buf: Buffer;
  try {
    buf = readInputFile(file, {
      expected: 'a partial result file', maxBytes: Math.min(maxBytes, MAX_TEXT_FILE_BYTES),
      limitHint: maxBytes < MAX_TEXT_FILE_BYTES ? ' (pass --allow-large if you mean it)' : ' (the most that can be read as text)',
    });
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    if (err.tooLarge) return bad(err.reason);
    throw new UserError(`${file}: cannot read the partial result (${err.reason})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return bad('the file is not UTF-8 text');
  }
  const json = parseJson(text);
  if (!json.ok) return bad(json.duplicate ? json.reason : `not JSON (${json.reason}); the file may be truncated`);
  const doc = json.doc;
  const parsed = partialSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    bad(`${issue.path.join('.') || '(top level)'}: ${issue.message.slice(0, 160)}`);
  }
  const p = parsed.data as unknown as PartialResult;
  const { checksum, ...rest } = p;
  if (checksumOf(rest) !== checksum) bad('the checksum does not match its content (the file was altered or damaged)');
  if (p.shard.index > p.shard.count) bad(`shard ${p.shard.index}/${p.shard.count}`);
  const blocks = new Map<number, Float64Array>();
  for (const b of p.blocks) {
    if (b.index >= p.blockCount) bad(`block ${b.index} is beyond the run's ${p.blockCount} blocks`);
    if (blocks.has(b.index)) bad(`block ${b.index} appears twice`);
    const data = decodeBlock(b.data, p.layoutLength);
    if (!data) bad(`block ${b.index}: expected ${p.layoutLength} numbers in base64`);
    blocks.set(b.index, data!);
  }
  return { partial: p, blocks };
}

/** Partial files named on the command line: files as given, folders expanded to their *.partial.json files. */
export function listPartialFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UserError(`${p}: no such partial file or folder`);
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const found = readdirSync(p).filter((f) => f.endsWith('.partial.json')).sort().map((f) => join(p, f));
    if (found.length === 0) throw new UserError(`${p}: the folder holds no *.partial.json files`);
    out.push(...found);
  }
  return out;
}

/** `shards-<hash>` (a run's), `sweep-shards-<hash>` (a sweep's), `psa-shards-<hash>` (a PSA's), `predict-shards-<hash>` (a predict batch's): the folders shards write into. */
const SHARD_FOLDER = /^((sweep|psa|predict)-)?shards-[0-9a-f]{12}$/;

/**
 * The shard folders in `dir` (a scenario folder) or one level down (a shard's
 * --out folder, which holds one folder per scenario), sorted.
 */
export function findShardFolders(dir: string): string[] {
  const subfolders = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {
      return []; // an unreadable folder holds no shards we can merge
    }
  };
  const out: string[] = [];
  for (const name of subfolders(dir)) {
    const path = join(dir, name);
    if (SHARD_FOLDER.test(name)) out.push(path);
    else if (!name.startsWith('.')) out.push(...subfolders(path).filter((n) => SHARD_FOLDER.test(n)).map((n) => join(path, n)));
  }
  return out;
}
