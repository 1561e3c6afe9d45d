// Worker-thread glue: the compiled scenario of each registered run (broadcast once), a message of tasks in, their values out (transferred).
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CompiledScenario } from '../model/compile.js';
import { runTasks, runTrialBatch, type ChannelMessage, type Task, type WorkerTask } from './tasks.js';

const scenarios = new Map<number, CompiledScenario>();
const waiting = new Map<number, ((c: CompiledScenario) => void)[]>();
const channel = new BroadcastChannel((Piscina.workerData as { channel: string }).channel);
channel.unref();
channel.onmessage = (event) => {
  const m = (event as unknown as MessageEvent<ChannelMessage>).data;
  if (m.kind === 'register') {
    scenarios.set(m.runKey, m.compiled);
    for (const resolve of waiting.get(m.runKey) ?? []) resolve(m.compiled);
    waiting.delete(m.runKey);
  } else if (m.kind === 'release') {
    scenarios.delete(m.runKey);
  }
};

function run(c: CompiledScenario, tasks: Task[]): Float64Array {
  return Piscina.move(runTasks(c, tasks)) as unknown as Float64Array;
}

/**
 * The task handler, a named export (pool.ts passes `name: 'work'`), never a default one: piscina loads this
 * file with require() first, and Node 20's require() of an ES module with a default export builds a
 * "facade" module whose instantiation aborts the whole process (rc 134, `Assertion failed:
 * facade->InstantiateModule`) when the worker is terminated at that moment (a pool closed while a
 * worker starts). Without a default export Node returns the namespace itself and builds no facade.
 */
export function work(message: WorkerTask): Float64Array | Promise<Float64Array> {
  if ('batch' in message) return Piscina.move(runTrialBatch(message.batch)) as unknown as Float64Array;
  const { runKey, tasks } = message;
  const compiled = scenarios.get(runKey);
  if (compiled) return run(compiled, tasks);
  return new Promise<CompiledScenario>((resolve) => {
    const list = waiting.get(runKey) ?? [];
    if (list.length === 0) channel.postMessage({ kind: 'need', runKey } satisfies ChannelMessage);
    list.push(resolve);
    waiting.set(runKey, list);
  }).then((c) => run(c, tasks));
}
