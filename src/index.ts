/**
 * jaksim's public API: what the CLI uses, for a researcher's own Node script
 * (README "Use from a script"). Every use case is a function
 * `(inputs, engine, context) -> result`: make one `Engine` (piscina workers,
 * or in-process for one worker), reuse it for as many runs as you like, and
 * close it. Results do not depend on the worker count.
 *
 * @example
 * import { loadScenario, simulateScenario, withEngine } from 'jaksim';
 * const scenario = loadScenario('scenarios/default.yaml');
 * const result = await withEngine(2, (engine) => simulateScenario(scenario, engine));
 * console.log(result.policies[0].cumulative.at(-1));
 */

// The engine: runs blocks of patients (and power trials) on worker threads, merged in block order.
export { Engine, withEngine, type EngineOptions, type Progress } from './engine/pool.js';
export type { ComparisonResult, MonthDifference, MonthRate, PolicyCost, PolicyResult, RunResult } from './engine/summarize.js';

// Scenarios: the one reader (YAML or JSON, validated, defaults filled) and the compiled per-run form.
export { DEFAULTS, LIMITS, loadScenario, validateScenario, type LoadOptions } from './io/scenario.js';
export { compileScenario, type CompiledScenario } from './model/compile.js';
export type { Correlation, Drug, Globals, Policy, Population, Scenario } from './model/scenario.js';
export { ScenarioError, UserError } from './io/errors.js';

// Use cases: each takes its inputs, an engine and a context (the command to record, progress, logging).
export { SCRIPT_CONTEXT, type AppContext } from './app/context.js';
export { resolveScenario, runScenario, simulateScenario, writeRun, type RunOutcome, type ScenarioInputs } from './app/run.js';
export { runSweep, type SweepInputs, type SweepOutcome } from './app/sweep.js';
export { runShard, runWithCheckpoint, type CheckpointOutcome, type Shard, type ShardOutcome } from './app/shards.js';
export { mergePartials, mergeRun, type MergeOutcome } from './app/merge.js';
export { mergeSweep } from './app/sweepShards.js';
export { runPower, runPowerAnalysis } from './app/power.js';
export { buildPlan, type PowerInputs, type PowerPlan } from './app/powerPlan.js';
export { runTrial, type TrialInputs, type TrialResult } from './app/trial.js';
export { runPredict, type PredictInputs, type PredictResult } from './app/predict.js';
export { runPsa, type PsaInputs, type PsaOutcome } from './app/psa.js';
export { CALIBRATE_DEFAULTS, runCalibration, type CalibrateInputs, type CalibrateOutcome } from './app/calibrate.js';
export { runValidation, type ValidateInputs } from './app/validate.js';
export { measureWorkers } from './app/bench.js';

// Result documents and writers.
export type { PowerPoint, PowerResult } from './io/powerReport.js';
export type { SweepParameter, SweepResult } from './io/sweepResults.js';
export type { CalibrationResult } from './calibration/assess.js';
export { curvesCsv, writeResultFolder, writeRunResults } from './io/results.js';

// Interval arithmetic of the result documents (95% by default).
export { meanInterval, pairedDifference, wilson, type Difference, type Rate } from './stats/intervals.js';

export { ENGINE_VERSION } from './version.js';
