// A whole run: compile, simulate every block on the engine, summarise.
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import { Engine, type Progress } from './pool.js';
import { summarizeRun, type RunResult } from './summarize.js';

export interface SimulateOptions {
  /** An engine to reuse (sweeps); otherwise one is made with `workers` and closed. */
  engine?: Engine;
  workers?: number;
  onProgress?: Progress;
}

/** Simulate a validated scenario and return its result document. */
export async function simulateScenario(s: Scenario, options: SimulateOptions = {}): Promise<RunResult> {
  const compiled = compileScenario(s);
  const engine = options.engine ?? new Engine({ workers: options.workers ?? 1 });
  try {
    const acc = await engine.run(compiled, options.onProgress);
    return summarizeRun(s, compiled, acc, { workers: engine.workers, engineVersion: ENGINE_VERSION });
  } finally {
    if (!options.engine) await engine.close();
  }
}
