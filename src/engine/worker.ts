// Worker-thread glue: one block in, its aggregates out (transferred, not copied).
import { Piscina } from 'piscina';
import { runBlock, runTrialBlock } from './runBlock.js';
import type { CompiledScenario } from '../model/compile.js';
import type { BlockTask } from './pool.js';
import { runPowerBlock, type PowerTask } from './trialSim.js';

/** Scenarios of the runs this worker has seen, newest last; a few suffice (one run at a time per engine). */
const scenarios = new Map<number, CompiledScenario>();
const KEEP = 4;

export default function simulateBlock(task: BlockTask | PowerTask): Float64Array {
  if ('power' in task) return Piscina.move(runPowerBlock(task.compiled, task.power.spec, task.power.block)) as unknown as Float64Array;
  if (task.compiled) {
    scenarios.set(task.runKey, task.compiled);
    if (scenarios.size > KEEP) scenarios.delete(scenarios.keys().next().value!);
  }
  const compiled = scenarios.get(task.runKey);
  if (!compiled) return new Float64Array(0); // ask for the scenario (pool.ts)
  const out = task.trial ? runTrialBlock(compiled, task.trial, task.block) : runBlock(compiled, task.block);
  return Piscina.move(out) as unknown as Float64Array;
}
