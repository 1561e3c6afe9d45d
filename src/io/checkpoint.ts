// Checkpoints of long runs: one file per completed block, written atomically, so a killed run resumes where it stopped.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_SIZE } from '../engine/runBlock.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic.js';
import { blockFromBytes, blockToBytes } from './blockBytes.js';
import { canonicalJson, documentHash } from './hash.js';
import { InputFileError, readInputFile } from './inputFile.js';
import { scenarioFolder } from './results.js';

/**
 * `<outRoot>/<scenario>/.checkpoint-<hash>-<seed>-<patients>/`: the hash is
 * of the resolved scenario (which holds seed and patients) and the engine
 * version and block size, so a changed scenario or engine never resumes from stale blocks.
 */
export function checkpointFolder(outRoot: string, s: Scenario): string {
  const hash = documentHash({ ...s, engineVersion: ENGINE_VERSION, blockSize: BLOCK_SIZE }).slice(0, 16);
  return join(scenarioFolder(outRoot, s.name), `.checkpoint-${hash}-${s.seed}-${s.patients}`);
}

const BLOCK_FILE = /^block-(\d+)\.f64$/;

/** A run's checkpoint: saved blocks are raw little-endian Float64 aggregates. */
export class Checkpoint {
  constructor(readonly folder: string, private readonly layoutLength: number, private readonly blockCount: number) {}

  /** Start or reopen: records the scenario next to the blocks (for a human reading the folder). */
  open(s: Scenario): void {
    const about = join(this.folder, 'scenario.json');
    if (!existsSync(about)) writeFileAtomic(about, `${canonicalJson({ engineVersion: ENGINE_VERSION, scenario: s })}\n`);
  }

  /** Blocks saved so far; a file of the wrong size (never written by us) is ignored and recomputed. */
  load(): Map<number, Float64Array> {
    const out = new Map<number, Float64Array>();
    if (!existsSync(this.folder)) return out;
    for (const f of readdirSync(this.folder)) {
      const m = BLOCK_FILE.exec(f);
      if (!m) continue;
      const index = Number(m[1]);
      if (index >= this.blockCount) continue;
      let bytes: Buffer;
      try {
        bytes = readInputFile(join(this.folder, f), { expected: 'a saved block', maxBytes: this.layoutLength * 8 });
      } catch (err) {
        if (err instanceof InputFileError) continue; // not a block we wrote: recomputed
        throw err;
      }
      const a = blockFromBytes(bytes, this.layoutLength);
      if (a) out.set(index, a);
    }
    return out;
  }

  save(index: number, a: Float64Array): void {
    writeFileAtomic(join(this.folder, `block-${index}.f64`), blockToBytes(a));
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}
