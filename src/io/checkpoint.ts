// Checkpoints of long runs: one file per completed block, written atomically, so a killed run resumes where it stopped.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_SIZE } from '../engine/runBlock.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION, engineFingerprint } from '../version.js';
import { writeFileAtomic } from './atomic.js';
import { blockFromBytes, blockToBytes } from './blockBytes.js';
import { canonicalJson, documentHash } from './hash.js';
import { InputFileError, readInputFile } from './inputFile.js';
import { scenarioFolder } from './results.js';

/**
 * `<outRoot>/<scenario>/.checkpoint-<hash>-<seed>-<patients>/`: the hash is
 * of the resolved scenario (which holds seed and patients), the engine
 * fingerprint (a hash of the engine's code: version.ts) and block size, so a changed scenario or engine
 * never resumes from stale blocks.
 */
export function checkpointFolder(outRoot: string, s: Scenario): string {
  const hash = documentHash({ ...s, engineFingerprint: engineFingerprint(), blockSize: BLOCK_SIZE }).slice(0, 16);
  return join(scenarioFolder(outRoot, s.name), `.checkpoint-${hash}-${s.seed}-${s.patients}`);
}

const BLOCK_FILE = /^block-(\d+)\.f64$/;
/** Bytes of the SHA-256 that ends each block file. */
const CHECKSUM_BYTES = 32;

/** The checksum of block `index`'s bytes: the index is in it, so a block file copied to another name fails too. */
function blockChecksum(index: number, data: Buffer): Buffer {
  return createHash('sha256').update(`jaksim-checkpoint-block\n${index}\n`).update(data).digest();
}

/** A saved block that could not be used (and is recomputed): which, and why. */
export interface BadBlock { index: number; reason: string }

/**
 * A run's checkpoint: each saved block is its aggregates as little-endian Float64 followed by a SHA-256
 * of the block index and those bytes. Concurrent runs of the same scenario into the same folder are
 * tolerated: saving and removing never fail a run whose results are right (they warn instead).
 */
export class Checkpoint {
  constructor(readonly folder: string, private readonly layoutLength: number, private readonly blockCount: number) {}

  /** Start or reopen: records the scenario next to the blocks (for a human reading the folder). */
  open(s: Scenario): void {
    const about = join(this.folder, 'scenario.json');
    if (!existsSync(about)) writeFileAtomic(about, `${canonicalJson({ engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), scenario: s })}\n`);
  }

  /**
   * Blocks saved so far, and the block files that are not usable: not a regular file, of the wrong size,
   * or failing their checksum (damaged or edited). The caller range-checks the good ones and recomputes the rest.
   */
  load(): { blocks: Map<number, Float64Array>; bad: BadBlock[] } {
    const blocks = new Map<number, Float64Array>();
    const bad: BadBlock[] = [];
    if (!existsSync(this.folder)) return { blocks, bad };
    const size = this.layoutLength * 8 + CHECKSUM_BYTES;
    for (const f of readdirSync(this.folder)) {
      const m = BLOCK_FILE.exec(f);
      if (!m) continue;
      const index = Number(m[1]);
      if (index >= this.blockCount) continue;
      let bytes: Buffer;
      try {
        bytes = readInputFile(join(this.folder, f), { expected: 'a saved block', maxBytes: size });
      } catch (err) {
        if (!(err instanceof InputFileError)) throw err;
        bad.push({ index, reason: err.reason });
        continue;
      }
      if (bytes.length !== size) {
        bad.push({ index, reason: `${bytes.length} bytes, expected ${size}` });
        continue;
      }
      const data = bytes.subarray(0, size - CHECKSUM_BYTES);
      if (!blockChecksum(index, data).equals(bytes.subarray(size - CHECKSUM_BYTES))) {
        bad.push({ index, reason: 'its checksum does not match (the file was damaged or edited)' });
        continue;
      }
      blocks.set(index, blockFromBytes(data, this.layoutLength)!);
    }
    return { blocks, bad };
  }

  /** Save one block; false (the caller warns) when it could not be saved, such as when another run removed the folder at that moment. */
  save(index: number, a: Float64Array): boolean {
    const data = blockToBytes(a);
    const file = join(this.folder, `block-${index}.f64`);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileAtomic(file, Buffer.concat([data, blockChecksum(index, data)]));
        return true;
      } catch (err) {
        if (!isRaceWithAnotherRun(err)) throw err;
      }
    }
    return false;
  }

  /** Remove the checkpoint; false (the caller warns) when it could not, such as when another run is still saving there. */
  remove(): boolean {
    try {
      rmSync(this.folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
      return true;
    } catch (err) {
      if (isRaceWithAnotherRun(err)) return false;
      throw err;
    }
  }
}

/** Errors of a folder that another process fills or empties at the same moment. */
function isRaceWithAnotherRun(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EBUSY';
}
