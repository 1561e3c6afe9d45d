// The engine: tasks (blocks of patients, power trials) on a piscina pool or in-process for one worker, results in task order.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { CompiledScenario } from '../model/compile.js';
import { predictLayout, type PredictSpec } from '../model/predict.js';
import { trialCountsLength, type TrialSpec } from '../model/trial.js';
import { powerStride, type PowerTrialDesign } from './powerTrials.js';
import {
  BLOCK_SIZE, blockAt, blockCount, splitBlock, splitRuns, type Block, type BlockAggregates, type RunPart,
} from './runBlock.js';
import {
  runTask, runTrialBatch, taskValuesLength, type ChannelMessage, type Task, type TrialBatch, type TrialRun, type WorkerTask,
} from './tasks.js';

export interface EngineOptions {
  /** Worker threads; 1 runs in-process. */
  workers: number;
}

/** Called after each block is merged: patients simulated so far, and in all (0: not known beforehand). */
export type Progress = (done: number, total: number) => void;

/** Flags that take a module to load, in `--flag value` or `--flag=value` form. */
const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader'];

/** A specifier or path of tsx itself: `tsx`, `tsx/esm`, `.../node_modules/tsx/dist/loader.mjs`. */
function isTsx(specifier: string | undefined): boolean {
  return specifier !== undefined && /(^|[\\/])tsx([\\/]|$)/.test(specifier);
}

/** The parent's Node flags without those that load tsx. */
function withoutTsx(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    if (LOADER_FLAGS.includes(argv[i]) && isTsx(argv[i + 1])) i++;
    else if (!(eq > 0 && LOADER_FLAGS.includes(argv[i].slice(0, eq)) && isTsx(argv[i].slice(eq + 1)))) out.push(argv[i]);
  }
  return out;
}

/** URL of tsx's ES module API (its `import` export of `tsx/esm/api`), found from this file, not the cwd. */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const entry = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  return new URL(entry.import.default, pathToFileURL(manifest)).href;
}

/**
 * The worker file next to this module (worker.ts under tsx or vitest, worker.js
 * when compiled) and the workers' Node flags: the parent's, without tsx.
 * piscina first tries `require()` on the worker file. With tsx's full loader
 * (`--import tsx`) that succeeds through tsx's CommonJS hook, which rewrites
 * every engine module to CommonJS where each call to an imported function goes
 * through a getter: workers ran about 30% slower than the main thread. So a
 * .ts worker only gets tsx's ES module hooks, registered by a one-line preload
 * (`--import tsx/esm` registers nothing in a Node 20 worker); `require()` then
 * fails and piscina falls back to `import()`. A .js worker needs no tsx.
 */
function workerSetup(): { filename: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const isTs = here.endsWith('.ts');
  const filename = here.replace(/pool\.(ts|js)$/, `worker.${isTs ? 'ts' : 'js'}`);
  const execArgv = withoutTsx(process.execArgv);
  if (isTs) execArgv.push('--import', `data:text/javascript,import{register}from${JSON.stringify(tsxEsmApi())};register();`);
  return { filename, execArgv };
}

/** Patients per task of power-analysis trials: enough work per task that the pool's round trip does not matter. */
const PATIENTS_PER_POWER_TASK = 20_000;

/**
 * The most young-generation memory (MB) a worker's V8 heap may use: 3 x its semi-space, so 4 MB
 * semi-spaces (8 MB of new space), the size every worker reaches within its first few dozen blocks.
 * Why a cap: V8 doubles a heap's semi-spaces whenever the bytes that survived scavenges since the
 * last doubling exceed their capacity, a count that only grows with the run's length (each
 * scavenge copies the block in progress), not with what is live. Uncapped, each worker's new space
 * stepped from 8 to 16 MB somewhere between 10 and 100 million patients (measured), so peak memory
 * grew with the patients. The cap is the size runs of up to ten million patients had anyway, so
 * their garbage collection (and speed) is unchanged; the model's garbage (about 150 KB per block,
 * boxed numbers) dies young, so a bigger new space would only hold more of it.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/**
 * The most patients, and tasks, one message to a worker carries (messageGroups). Each message costs both
 * threads some 0.1-0.2 ms (structured clone, the wake-up, the result's transfer): with one 4,096-patient
 * block a message, the canonical run on 2 workers took 626 ms against 572-588 ms for the same blocks in two
 * workers that send nothing. Eight blocks are about 40 ms of simulation.
 */
export const PATIENTS_PER_MESSAGE = 8 * BLOCK_SIZE;
const TASKS_PER_MESSAGE = 8;
/** The most values (doubles) one message's tasks return together: a scenario of large aggregates keeps one block a message. */
export const VALUES_PER_MESSAGE = 2 ** 17;

/**
 * Consecutive tasks in groups, one message each, [start, end) in task order: guided self-scheduling, each
 * group about a quarter of the tasks left over the workers (so the groups shrink to one task towards the end,
 * where the workers must finish together), at most TASKS_PER_MESSAGE tasks (and `maxTasks`) and
 * PATIENTS_PER_MESSAGE patients (a task of more is a group of its own). The values of every task are merged
 * as before, in task order: the grouping changes no result.
 */
export function messageGroups(patients: readonly number[], workers: number, maxTasks = TASKS_PER_MESSAGE): [number, number][] {
  const groups: [number, number][] = [];
  for (let start = 0; start < patients.length;) {
    const end = groupEnd(start, patients.length, (t) => patients[t], workers, maxTasks);
    groups.push([start, end]);
    start = end;
  }
  return groups;
}

/** The end of messageGroups' group that starts at task `start` of `count` (task t simulating patientsAt(t)). */
function groupEnd(start: number, count: number, patientsAt: (t: number) => number, workers: number, maxTasks: number): number {
  const want = Math.min(TASKS_PER_MESSAGE, maxTasks, Math.ceil((count - start) / (4 * workers)));
  let end = start + 1;
  let sum = patientsAt(start);
  while (end - start < want && end < count && sum + patientsAt(end) <= PATIENTS_PER_MESSAGE) sum += patientsAt(end++);
  return end;
}

/**
 * The tasks of a run, in order: how many, and task i, made when it is sent. A run's list is never built whole,
 * so nothing the engine keeps grows with the patients (a list of 100 million patients' blocks was some
 * 24,000 objects on the main thread's heap).
 */
interface TaskList {
  readonly length: number;
  at(i: number): Task;
}

function listOf(tasks: readonly Task[]): TaskList {
  return { length: tasks.length, at: (i) => tasks[i] };
}

/** The batch of `items` (parts of `runs`): only the runs they touch travel, renumbered in order. */
function batchOf(runs: readonly TrialRun[], items: readonly RunPart[]): TrialBatch {
  const local = new Map<number, number>();
  for (const it of items) if (!local.has(it.run)) local.set(it.run, local.size);
  return { runs: [...local.keys()].map((run) => runs[run]), items: items.map((it) => ({ ...it, run: local.get(it.run)! })) };
}

/** A run's registration with the workers: its key and how many runs in flight use it. */
interface Registration { runKey: number; users: number }

/**
 * Runs tasks on a compiled scenario and hands back their values in task
 * order (blocks merged in block order), so results are byte-identical for
 * any number of workers. Each compiled scenario in use is broadcast to the
 * workers once (reference-counted: concurrent runs of one scenario share it)
 * and released when its last run ends; tasks carry only the run's key.
 * Reuse one engine for many runs (sweeps, calibration, power); close it when done.
 */
export class Engine {
  readonly workers: number;
  private pool: Piscina | null = null;
  private channel: BroadcastChannel | null = null;
  private readonly registered = new Map<CompiledScenario, Registration>();
  private readonly byKey = new Map<number, CompiledScenario>();
  private runCount = 0;
  /** Told the patients of each task as it completes: progress of commands that run many simulations. */
  onSimulated?: (patients: number) => void;

  constructor(options: EngineOptions) {
    this.workers = Math.max(1, Math.floor(options.workers));
    if (this.workers > 1) {
      const { filename, execArgv } = workerSetup();
      const name = `jaksim-engine-${randomUUID()}`;
      this.channel = new BroadcastChannel(name);
      this.channel.unref();
      this.channel.onmessage = (event) => {
        const m = (event as unknown as MessageEvent<ChannelMessage>).data;
        const compiled = m.kind === 'need' ? this.byKey.get(m.runKey) : undefined;
        // A worker that started after the registration was broadcast asks again.
        if (compiled) this.channel?.postMessage({ kind: 'register', runKey: m.runKey, compiled } satisfies ChannelMessage);
      };
      this.pool = new Piscina({
        filename,
        // The named handler: a default export would make Node 20 build a require() facade that aborts the
        // process when a starting worker is terminated (worker.ts).
        name: 'work',
        execArgv,
        workerData: { channel: name },
        minThreads: this.workers,
        maxThreads: this.workers,
        // A second task waits in each worker's queue, so a worker starts on it at once instead of
        // idling for the round trip through the main thread (measured: workers busy 93-95% of the
        // wall time with one task per worker, 96-97% with two). Tasks still run one at a time.
        concurrentTasksPerWorker: 2,
        // Per-task timing histograms are not needed and would grow with the number of tasks.
        recordTiming: false,
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
    }
  }

  /** All blocks of the scenario under every policy: merged aggregates (model/layout.ts). */
  run(c: CompiledScenario, onProgress?: Progress): Promise<BlockAggregates> {
    return this.merged(c, { length: blockCount(c.patients), at: (i) => ({ kind: 'block', block: blockAt(c.patients, i) }) },
      c.layout.length, onProgress);
  }

  /**
   * Trial mode of one drug over the scenario's population: merged counts (model/trial.ts layout). A run of
   * fewer blocks than workers (a calibration arm is one block) is cut into parts, so that every worker
   * has a share of it: the counts are whole numbers, the same whatever the parts.
   */
  trial(c: CompiledScenario, trial: TrialSpec, onProgress?: Progress): Promise<Float64Array> {
    const blocks = blockCount(c.patients);
    const parts = this.pool ? Math.ceil(this.workers / blocks) : 1;
    const task = (block: Block, range = { from: 0, to: block.size }): Task => ({ kind: 'trialBlock', trial, block, reuse: true, range });
    // Parts only for a run of fewer blocks than workers (a few tasks, listed); else a task a block.
    const tasks = parts > 1
      ? listOf(Array.from({ length: blocks }, (_, i) => blockAt(c.patients, i)).flatMap((b) => splitBlock(b, parts).map((r) => task(b, r))))
      : { length: blocks, at: (i: number) => task(blockAt(c.patients, i)) };
    return this.merged(c, tasks, trialCountsLength(trial), onProgress);
  }

  /**
   * Several trial-mode runs at once (a calibration evaluation's arms): merged counts of each, in run order.
   * On the pool, one task a worker: the runs' patients, one run after the other, cut into W contiguous equal
   * shares (splitRuns), so an evaluation costs 2 W messages instead of some 8 a run (tasks.ts TrialBatch),
   * and each task carries, compiles and keeps only the runs of its share (with one share of every block, each
   * worker did all of that for every run). The counts are whole numbers: the parts add up to each run's
   * counts exactly, as Engine.trial gives them, for any number of workers.
   */
  async trialRuns(runs: readonly TrialRun[]): Promise<Float64Array[]> {
    const parts = this.pool ? this.workers : 1;
    const groups = splitRuns(runs.map((r) => r.scenario.patients), parts);
    const lengths = runs.map((r) => trialCountsLength(r.trial));
    const totals = lengths.map((n) => new Float64Array(n));
    const add = (items: RunPart[], out: Float64Array) => {
      let at = 0;
      for (const it of items) {
        const total = totals[it.run];
        for (let i = 0; i < total.length; i++) total[i] += out[at + i];
        at += total.length;
      }
      this.onSimulated?.(items.reduce((n, it) => n + it.range.to - it.range.from, 0));
    };
    const pool = this.pool;
    if (!pool) {
      add(groups[0], runTrialBatch({ runs, items: groups[0] }));
      return totals;
    }
    const outs = await Promise.all(groups.map((items) => (items.length === 0 ? Promise.resolve(new Float64Array(0))
      : pool.run({ batch: batchOf(runs, items) } satisfies WorkerTask) as Promise<Float64Array>)));
    groups.forEach((items, j) => add(items, outs[j]));
    return totals;
  }

  /** One patient's prediction over the scenario's population draws (c.patients of them): merged sums (model/predict.ts). */
  predict(c: CompiledScenario, spec: PredictSpec, onProgress?: Progress): Promise<Float64Array> {
    return this.merged(c, { length: blockCount(c.patients), at: (i) => ({ kind: 'predictBlock', spec, block: blockAt(c.patients, i), reuse: true }) },
      predictLayout(spec).length, onProgress);
  }

  /**
   * Simulate only the listed blocks (a shard, or those a checkpoint lacks) and
   * hand each block's own aggregates to `onBlock`, in ascending block order.
   * Before launching a block it asks `shouldStop` (a signal arrived): blocks
   * already in flight still finish and reach `onBlock`. Resolves to the
   * indices completed. Merge with engine/blocks.ts's `mergeBlocks` to get the run's aggregates.
   */
  async runBlocks(
    c: CompiledScenario, indices: readonly number[], onBlock: (index: number, out: BlockAggregates) => void,
    shouldStop: () => boolean = () => false,
  ): Promise<number[]> {
    const count = blockCount(c.patients);
    const blocks = [...new Set(indices)].sort((a, b) => a - b).map((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`block ${i} is not a block of this run (0..${count - 1})`);
      return blockAt(c.patients, i);
    });
    const completed: number[] = [];
    await this.inOrder(c, listOf(blocks.map((block): Task => ({ kind: 'block', block }))), (t, out) => {
      onBlock(blocks[t].index, out);
      completed.push(blocks[t].index);
    }, shouldStop, true);
    return completed;
  }

  /** `trials` simulated trials of one design: their values concatenated in trial order (powerStride each). */
  async powerTrials(c: CompiledScenario, design: PowerTrialDesign, trials: number): Promise<Float64Array> {
    const per = Math.max(1, Math.min(trials, Math.ceil(PATIENTS_PER_POWER_TASK / design.n)));
    const tasks: Task[] = [];
    for (let first = 0; first < trials; first += per) {
      tasks.push({ kind: 'powerTrials', design, range: { first, count: Math.min(per, trials - first) } });
    }
    const all = new Float64Array(trials * powerStride(design));
    let at = 0;
    await this.inOrder(c, listOf(tasks), (_, out) => { all.set(out, at); at += out.length; }, () => false, false);
    return all;
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
    this.channel?.close();
    this.channel = null;
  }

  /** The values of `tasks` (a task a block, or a trial's parts), added up in task order. */
  private async merged(c: CompiledScenario, tasks: TaskList, length: number, onProgress?: Progress): Promise<Float64Array> {
    const total = new Float64Array(length);
    let done = 0;
    await this.inOrder(c, tasks, (t, out, task) => {
      for (let i = 0; i < length; i++) total[i] += out[i];
      done += patientsOf(task);
      onProgress?.(done, c.patients);
    }, () => false, onProgress !== undefined);
    return total;
  }

  /** Broadcast `c` to the workers unless a run in flight already did; returns its key. */
  private register(c: CompiledScenario): number {
    const known = this.registered.get(c);
    if (known) {
      known.users++;
      return known.runKey;
    }
    const runKey = ++this.runCount;
    this.registered.set(c, { runKey, users: 1 });
    this.byKey.set(runKey, c);
    this.channel!.postMessage({ kind: 'register', runKey, compiled: c } satisfies ChannelMessage);
    return runKey;
  }

  private release(c: CompiledScenario): void {
    const r = this.registered.get(c)!;
    if (--r.users > 0) return;
    this.registered.delete(c);
    this.byKey.delete(r.runKey);
    this.channel?.postMessage({ kind: 'release', runKey: r.runKey } satisfies ChannelMessage);
  }

  /**
   * Run `tasks` (in-process, or on the pool: messages of messageGroups' sizes, made as they are sent, at most
   * 4 W in flight) and hand each task's values to `onResult` strictly in task order.
   * `shouldStop` is asked before each launch; messages in flight finish.
   */
  private async inOrder(
    c: CompiledScenario, tasks: TaskList, onResult: (index: number, out: Float64Array, task: Task) => void,
    shouldStop: () => boolean, yieldBetween: boolean,
  ): Promise<void> {
    if (!this.pool) {
      for (let t = 0; t < tasks.length; t++) {
        if (shouldStop()) break;
        const task = tasks.at(t);
        onResult(t, runTask(c, task), task);
        this.onSimulated?.(patientsOf(task));
        // Let timers (the progress bar) and signal handlers run between tasks.
        if (yieldBetween) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    const pool = this.pool;
    const runKey = this.register(c);
    const maxTasks = tasks.length > 0 ? Math.floor(VALUES_PER_MESSAGE / Math.max(1, taskValuesLength(c, tasks.at(0)))) : 1;
    const patientsAt = (t: number) => patientsOf(tasks.at(t));
    const window = this.workers * 4;
    // Messages in flight, in launch order: the first task's index, the tasks, their values to come.
    const pending: { start: number; sent: Task[]; values: Promise<Float64Array> }[] = [];
    let next = 0; // the first task not sent yet
    const launch = () => {
      while (next < tasks.length && pending.length < window && !shouldStop()) {
        const end = groupEnd(next, tasks.length, patientsAt, this.workers, maxTasks);
        const sent = Array.from({ length: end - next }, (_, i) => tasks.at(next + i));
        pending.push({ start: next, sent, values: pool.run({ runKey, tasks: sent } satisfies WorkerTask) as Promise<Float64Array> });
        next = end;
      }
    };
    try {
      launch();
      while (pending.length > 0) {
        const { start, sent, values } = pending[0];
        const out = await values;
        pending.shift();
        let at = 0;
        sent.forEach((task, i) => {
          const length = taskValuesLength(c, task);
          onResult(start + i, out.subarray(at, at + length), task);
          at += length;
          this.onSimulated?.(patientsOf(task));
        });
        launch();
      }
    } finally {
      // On failure, let the other messages in flight settle so none rejects unobserved.
      await Promise.allSettled(pending.map((m) => m.values));
      this.release(c);
    }
  }

}

/** The patients a task simulates (for Engine.onSimulated). */
function patientsOf(task: Task): number {
  if (task.kind === 'powerTrials') return task.range.count * task.design.n;
  if (task.kind === 'trialBlock' && task.range) return task.range.to - task.range.from;
  return task.block.size;
}

/** Run `work` on a new engine of `workers` workers, closed afterwards whatever happens. */
export async function withEngine<T>(workers: number, work: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = new Engine({ workers });
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}
