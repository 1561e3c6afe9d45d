// What every use case gets besides its inputs and the engine: the command line to record, and the hooks the
// caller (the CLI, or a researcher's script) uses to watch or stop it. No use case touches process.* or the console.
import type { Progress } from '../engine/pool.js';

export interface AppContext {
  /** The command as the user gave it, recorded in result files (summary.json, reports); '' from a script. */
  command: string;
  /** Patients (or units) done so far, and in all. */
  onProgress?: Progress;
  /** Notes on what a long use case is doing (calibration's steps, a resumed checkpoint). */
  log?: (message: string) => void;
  /** What the user must know about the inputs before reading the results (drug parameters not calibrated). */
  warn?: (message: string) => void;
  /** Asked before each block is launched: true stops a checkpointed run after the blocks in flight. */
  shouldStop?: () => boolean;
  /** How a path appears in messages (the CLI shows it relative to the working folder); default: as it is. */
  showPath?: (path: string) => string;
}

/** The context of a call from a script: nothing recorded, nothing watched. */
export const SCRIPT_CONTEXT: AppContext = { command: '' };
