// Whether a file written by a shard can be merged by this build of the engine (runs, sweeps, predict batches).
import { ENGINE_VERSION, engineFingerprint } from '../version.js';

/**
 * Why a file written by `written` cannot be merged by this engine: another version, or the same version
 * of other code (the fingerprint of the engine's code differs); null when it can.
 */
export function engineMismatch(written: { engineVersion: string; engineFingerprint: string }): string | null {
  if (written.engineVersion !== ENGINE_VERSION) return `written by engine ${written.engineVersion}, but this is engine ${ENGINE_VERSION}`;
  if (written.engineFingerprint !== engineFingerprint()) {
    return `written by engine ${written.engineVersion} built from other code (engine fingerprint ${written.engineFingerprint}; this one is ${engineFingerprint()})`;
  }
  return null;
}
