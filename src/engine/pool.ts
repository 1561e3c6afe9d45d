// The engine: blocks of patients on a piscina pool (or in-process for one worker), merged in block order.
import { Piscina } from 'piscina';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CompiledScenario } from '../model/compile.js';
import type { TrialSpec } from '../model/trial.js';
import { planBlocks, runBlock, runTrialBlock, type BlockSpec } from './runBlock.js';

/**
 * One block for a worker. The compiled scenario travels only when the worker
 * lacks it: workers keep the scenario of each `runKey` they have seen, and
 * answer a task without it by an empty array (see worker.ts). Cloning the
 * scenario into every task made the heap grow with the number of blocks.
 */
export interface BlockTask {
  runKey: number;
  compiled?: CompiledScenario;
  trial?: TrialSpec;
  block: BlockSpec;
}

export interface EngineOptions {
  /** Worker threads; 1 runs in-process. */
  workers: number;
}

/** Called after each block is merged: patients simulated so far, and in all. */
export type Progress = (done: number, total: number) => void;

/** Flags that take a module to load, in `--flag value` or `--flag=value` form. */
const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader'];

/** A specifier or path of tsx itself: `tsx`, `tsx/esm`, `.../node_modules/tsx/dist/loader.mjs`. */
function isTsx(spec: string | undefined): boolean {
  return spec !== undefined && /(^|[\\/])tsx([\\/]|$)/.test(spec);
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

/**
 * Runs blocks of patients and merges their aggregates in block order, so the
 * result is byte-identical for any number of workers. Reuse one engine for
 * many runs (sweeps, power analysis); close it when done.
 */
export class Engine {
  readonly workers: number;
  private pool: Piscina | null = null;
  /** Numbers the runs on this engine, so workers can cache each run's scenario. */
  private runCount = 0;
  /** Told the patients of each block or task as it completes: progress of commands that run many simulations. */
  onSimulated?: (patients: number) => void;

  constructor(options: EngineOptions) {
    this.workers = Math.max(1, Math.floor(options.workers));
    if (this.workers > 1) {
      const { filename, execArgv } = workerSetup();
      this.pool = new Piscina({
        filename,
        execArgv,
        minThreads: this.workers,
        maxThreads: this.workers,
        // A second block waits in each worker's queue, so a worker starts on it at once instead of
        // idling for the round trip through the main thread (measured: workers busy 93-95% of the
        // wall time with one task per worker, 96-97% with two). Tasks still run one at a time.
        concurrentTasksPerWorker: 2,
        // Per-task timing histograms are not needed and would grow with the number of blocks.
        recordTiming: false,
      });
    }
  }

  /** All blocks of the scenario under every policy: merged aggregates (model/layout.ts). */
  run(c: CompiledScenario, onProgress?: Progress): Promise<Float64Array> {
    return this.execute(c, undefined, c.layout.length, onProgress);
  }

  /** Trial mode of one drug over the scenario's population (model/trial.ts counts). */
  trial(c: CompiledScenario, trial: TrialSpec, length: number, onProgress?: Progress): Promise<Float64Array> {
    return this.execute(c, trial, length, onProgress);
  }

  /**
   * Simulate only the listed blocks (a shard, or those a checkpoint lacks) and
   * hand each block's own aggregates to `onBlock`, in ascending block order.
   * Before launching a block it asks `shouldStop` (a signal arrived): blocks
   * already in flight still finish and reach `onBlock`. Resolves to the
   * indices completed. Merge with `mergeBlocks` to get the run's aggregates.
   */
  async runBlocks(
    c: CompiledScenario, indices: readonly number[], onBlock: (index: number, out: Float64Array) => void,
    shouldStop: () => boolean = () => false,
  ): Promise<number[]> {
    const all = planBlocks(c.patients);
    const blocks = [...new Set(indices)].sort((a, b) => a - b).map((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= all.length) throw new RangeError(`block ${i} is not a block of this run (0..${all.length - 1})`);
      return all[i];
    });
    const completed: number[] = [];
    await this.inBlockOrder(c, undefined, blocks, (block, out) => {
      onBlock(block.index, out);
      completed.push(block.index);
    }, shouldStop, true);
    return completed;
  }

  /**
   * Tasks of another kind (power analysis: engine/trialSim.ts's PowerTask) on
   * the same pool, results in task order; in-process with `local` for one worker.
   */
  async runTasks<T extends object>(
    tasks: readonly T[], local: (task: T) => Float64Array, patientsOf: (task: T) => number = () => 0,
  ): Promise<Float64Array[]> {
    if (!this.pool) {
      const outs: Float64Array[] = [];
      for (const task of tasks) {
        outs.push(local(task));
        this.onSimulated?.(patientsOf(task));
      }
      return outs;
    }
    const pool = this.pool;
    return Promise.all(tasks.map(async (task) => {
      const out = (await pool.run(task)) as Float64Array;
      this.onSimulated?.(patientsOf(task));
      return out;
    }));
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
    this.pool = null;
  }

  private async execute(
    c: CompiledScenario, trial: TrialSpec | undefined, length: number, onProgress?: Progress,
  ): Promise<Float64Array> {
    const total = new Float64Array(length);
    let done = 0;
    await this.inBlockOrder(c, trial, planBlocks(c.patients), (block, out) => {
      for (let i = 0; i < length; i++) total[i] += out[i];
      done += block.size;
      onProgress?.(done, c.patients);
      this.onSimulated?.(block.size);
    }, () => false, onProgress !== undefined);
    return total;
  }

  /**
   * Simulate `blocks` (in-process, or on the pool with a bounded window in
   * flight) and hand each block's aggregates to `onBlock` strictly in block
   * order. `shouldStop` is asked before each launch; blocks in flight finish.
   */
  private async inBlockOrder(
    c: CompiledScenario, trial: TrialSpec | undefined, blocks: readonly BlockSpec[],
    onBlock: (block: BlockSpec, out: Float64Array) => void, shouldStop: () => boolean, yieldBetween: boolean,
  ): Promise<void> {
    if (!this.pool) {
      for (const block of blocks) {
        if (shouldStop()) break;
        onBlock(block, trial ? runTrialBlock(c, trial, block) : runBlock(c, block));
        // Let timers (the progress bar) and signal handlers run between blocks.
        if (yieldBetween) await new Promise((r) => setImmediate(r));
      }
      return;
    }
    const pool = this.pool;
    const runKey = ++this.runCount;
    const window = this.workers * 4;
    const pending = new Map<number, Promise<Float64Array>>();
    let next = 0;
    const runOnPool = async (block: BlockSpec): Promise<Float64Array> => {
      const out = (await pool.run({ runKey, trial, block } satisfies BlockTask)) as Float64Array;
      // Empty: that worker has not seen this run yet; send the scenario once.
      return out.length > 0 ? out : (pool.run({ runKey, compiled: c, trial, block } satisfies BlockTask) as Promise<Float64Array>);
    };
    const launch = () => {
      while (next < blocks.length && pending.size < window && !shouldStop()) {
        const block = blocks[next++];
        pending.set(block.index, runOnPool(block));
      }
    };
    launch();
    try {
      for (const block of blocks) {
        const task = pending.get(block.index);
        if (!task) break; // never launched: stopped
        const out = await task;
        pending.delete(block.index);
        onBlock(block, out);
        launch();
      }
    } finally {
      // On failure, let the other in-flight blocks settle so none rejects unobserved.
      await Promise.allSettled(pending.values());
    }
  }
}

/**
 * Merge per-block aggregates of a whole run strictly in block order, adding
 * the float sums exactly as `Engine.run` does, so the result is
 * byte-identical to a single uninterrupted run. Every block of the run must be
 * present (callers check and name missing blocks first).
 */
export function mergeBlocks(c: CompiledScenario, blocks: ReadonlyMap<number, Float64Array>): Float64Array {
  const length = c.layout.length;
  const total = new Float64Array(length);
  for (const block of planBlocks(c.patients)) {
    const out = blocks.get(block.index);
    if (!out || out.length !== length) throw new RangeError(`block ${block.index} is missing or has the wrong length`);
    for (let i = 0; i < length; i++) total[i] += out[i];
  }
  return total;
}
