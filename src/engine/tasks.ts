// The engine's one task union and the one function that runs a task: worker.ts and the in-process path both call runTask.
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { predictLayout, type PredictSpec } from '../model/predict.js';
import { trialCountsLength, type TrialSpec } from '../model/trial.js';
import { powerStride, runPowerTrials, type PowerTrialDesign, type TrialRange } from './powerTrials.js';
import { runBlock, runPredictBlock, runTrialBlock, type Block, type BlockAggregates, type PatientRange, type RunPart } from './runBlock.js';

/**
 * One unit of work on a run's compiled scenario (which travels separately: see pool.ts). `reuse` (trial
 * and prediction blocks): the block's patients are simulated again later (keep their variates:
 * engine/patientVariates.ts).
 */
export type Task =
  /** Every policy on one block of patients: the block's aggregates (model/layout.ts). */
  | { kind: 'block'; block: Block }
  /** Trial mode of one drug on one block of patients (model/trial.ts counts). */
  | { kind: 'trialBlock'; trial: TrialSpec; block: Block; reuse?: boolean; range?: PatientRange }
  /** One patient's prediction over one block of population draws (model/predict.ts sums). */
  | { kind: 'predictBlock'; spec: PredictSpec; block: Block; reuse?: boolean }
  /** A range of simulated power-analysis trials (engine/powerTrials.ts values). */
  | { kind: 'powerTrials'; design: PowerTrialDesign; range: TrialRange };

/** Run one task on a compiled scenario; pure (same inputs, same bytes). */
export function runTask(c: CompiledScenario, task: Task): BlockAggregates | Float64Array {
  switch (task.kind) {
    case 'block': return runBlock(c, task.block);
    case 'trialBlock': return runTrialBlock(c, task.trial, task.block, task.reuse, task.range);
    case 'predictBlock': return runPredictBlock(c, task.spec, task.block, task.reuse);
    case 'powerTrials': return runPowerTrials(c, task.design, task.range);
  }
}

/** The length of runTask(c, task)'s values, known before it runs (to cut a message's values into its tasks'). */
export function taskValuesLength(c: CompiledScenario, task: Task): number {
  switch (task.kind) {
    case 'block': return c.layout.length;
    case 'trialBlock': return trialCountsLength(task.trial);
    case 'predictBlock': return predictLayout(task.spec).length;
    case 'powerTrials': return task.range.count * powerStride(task.design);
  }
}

/**
 * Run several tasks of one run (one message to a worker): their values concatenated in task order. One
 * task's values are runTask's own array.
 */
export function runTasks(c: CompiledScenario, tasks: readonly Task[]): Float64Array {
  if (tasks.length === 1) return runTask(c, tasks[0]);
  const out = new Float64Array(tasks.reduce((n, t) => n + taskValuesLength(c, t), 0));
  let at = 0;
  for (const task of tasks) {
    const values = runTask(c, task);
    out.set(values, at);
    at += values.length;
  }
  return out;
}

/**
 * One trial-mode run of a batch: its scenario, compiled by the thread that simulates it, and its trial. A
 * scenario clones in a third of the time of its compiled form (25 typed arrays), and compiling takes about
 * as long as cloning: a calibration evaluation's arms no longer wait on the main thread for compilation
 * and two clones of each compiled arm between two evaluations.
 */
export interface TrialRun { scenario: Scenario; trial: TrialSpec }

/**
 * Trial-mode runs in one task, their scenarios inside it (no registration): a calibration evaluation's
 * arms are many small runs, and on this machine each message that wakes another thread cost some 0.1-0.3
 * ms of CPU (measured: 0.6 ms a task, 1.2 ms a run, against 0.17 ms in-process), as much as simulating
 * hundreds of patients. `items`: the parts of blocks of those runs that this task simulates, in order.
 */
export interface TrialBatch { runs: readonly TrialRun[]; items: RunPart[] }

/** Run a batch: each item's counts (its run's trialCountsLength), concatenated in item order. */
export function runTrialBatch(batch: TrialBatch): Float64Array {
  const lengths = batch.runs.map((r) => trialCountsLength(r.trial));
  const compiled: (CompiledScenario | undefined)[] = [];
  const out = new Float64Array(batch.items.reduce((n, it) => n + lengths[it.run], 0));
  let at = 0;
  for (const it of batch.items) {
    const r = batch.runs[it.run];
    const c = compiled[it.run] ??= compileScenario(r.scenario);
    out.set(runTrialBlock(c, r.trial, it.block, true, it.range), at);
    at += lengths[it.run];
  }
  return out;
}

/** What the pool sends a worker: consecutive tasks of the run registered under `runKey` (runTasks), or a batch of trial runs. */
export type WorkerTask = { runKey: number; tasks: Task[] } | { batch: TrialBatch };

/**
 * Messages on the engine's broadcast channel. The main thread registers a
 * run's compiled scenario once (every worker keeps it until the release); a
 * worker that gets a task of a run it has not seen (it started after the
 * registration was broadcast) asks for it with `need`.
 */
export type ChannelMessage =
  | { kind: 'register'; runKey: number; compiled: CompiledScenario }
  | { kind: 'release'; runKey: number }
  | { kind: 'need'; runKey: number };
