// The run use case: a scenario (file and overrides) -> simulated on the engine -> summarised -> results folder.
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import type { Engine, Progress } from '../engine/pool.js';
import { runReportHtml } from '../io/report.js';
import { checkOutputFolder } from '../io/outputCheck.js';
import { checkOutputSize, scenarioFolder, summaryJsonEstimate, writeRunResults } from '../io/results.js';
import { loadScenario } from '../io/scenario.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { calibrationWarning, uncalibratedDrugs } from '../io/calibrated.js';

/** A scenario file and the overrides of the command line. */
export interface ScenarioInputs {
  scenario: string;
  patients?: number;
  seed?: number;
  /** Lift the limits that protect the machine (io/scenario.ts LARGE_LIMITS). */
  allowLarge?: boolean;
}

/** Load and validate the scenario file, then apply the patients and seed overrides. */
export function resolveScenario(inputs: ScenarioInputs): Scenario {
  const scenario = loadScenario(inputs.scenario, { allowLarge: inputs.allowLarge });
  if (inputs.patients !== undefined) scenario.patients = inputs.patients;
  if (inputs.seed !== undefined) scenario.seed = inputs.seed;
  return scenario;
}

/** Tell the user (ctx.warn) when the scenario's policies use drug parameters that were not calibrated. */
export function warnIfUncalibrated(s: Scenario, ctx: AppContext): void {
  const warning = calibrationWarning(uncalibratedDrugs(s));
  if (warning) ctx.warn?.(warning);
}

/**
 * Check, before any simulation, that `<out>/<scenario>/` can be written (a folder, or one that can be
 * created, where this process may write): results are never computed only to be lost. Names --out.
 */
export function checkResultsFolder(out: string, name: string): void {
  checkOutputFolder(scenarioFolder(out, name), '--out', out);
}

/** Refuse, before simulating, a run whose summary.json would be beyond OUTPUT_LIMITS (io/results.ts). */
export function checkRunOutput(s: Scenario, command: string, allowLarge?: boolean): void {
  checkOutputSize(`${s.name}: summary.json`, summaryJsonEstimate(s, command), allowLarge);
}

/** Simulate a validated scenario on the engine and return its result document. */
export async function simulateScenario(s: Scenario, engine: Engine, onProgress?: Progress): Promise<RunResult> {
  const compiled = compileScenario(s);
  const acc = await engine.run(compiled, onProgress);
  return summarizeRun(s, compiled, acc, { workers: engine.workers, engineVersion: ENGINE_VERSION });
}

export interface RunOutcome {
  scenario: Scenario;
  result: RunResult;
  /** The results folder written: summary.json, curves.csv, report.html. */
  folder: string;
}

/** Write a run's results folder (summary.json, curves.csv, report.html); returns its path. */
export async function writeRun(outRoot: string, scenario: Scenario, result: RunResult, command: string): Promise<string> {
  const report = await runReportHtml(result, scenario, command);
  return writeRunResults(outRoot, scenario, result, command, undefined, { 'report.html': report });
}

/**
 * `jaksim run`: simulate the scenario and write `<out>/<scenario>/<run-id>/`. `afterSimulation`, if
 * given, is awaited once the engine is no longer needed and before the results are written: the CLI
 * closes its engine there (see cli/run.ts).
 */
export async function runScenario(
  inputs: ScenarioInputs & { out: string }, engine: Engine, ctx: AppContext, afterSimulation?: () => Promise<void>,
): Promise<RunOutcome> {
  const scenario = resolveScenario(inputs);
  warnIfUncalibrated(scenario, ctx);
  checkResultsFolder(inputs.out, scenario.name);
  checkRunOutput(scenario, ctx.command, inputs.allowLarge);
  const result = await simulateScenario(scenario, engine, ctx.onProgress);
  await afterSimulation?.();
  return { scenario, result, folder: await writeRun(inputs.out, scenario, result, ctx.command) };
}
