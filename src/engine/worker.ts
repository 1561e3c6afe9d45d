// Worker-thread glue: one block in, its aggregates out (transferred, not copied).
import { Piscina } from 'piscina';
import { runBlock, runTrialBlock } from './runBlock.js';
import type { BlockTask } from './pool.js';
import { runPowerBlock, type PowerTask } from './trialSim.js';

export default function simulateBlock(task: BlockTask | PowerTask): Float64Array {
  if ('power' in task) return Piscina.move(runPowerBlock(task.compiled, task.power.spec, task.power.block)) as unknown as Float64Array;
  const out = task.trial ? runTrialBlock(task.compiled, task.trial, task.block) : runBlock(task.compiled, task.block);
  return Piscina.move(out) as unknown as Float64Array;
}
