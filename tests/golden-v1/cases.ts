// The shape of the version-1 golden files (pin.ts writes them once, golden.test.ts reads them).
import { resolve } from 'node:path';
import { mergeBlocks } from '../../src/engine/blocks.js';
import { planBlocks, runBlock, runTrialBlock } from '../../src/engine/runBlock.js';
import type { PowerTrialDesign as PowerSpec } from '../../src/engine/powerTrials.js';
import { DEFAULTS, resolveCatalogReference } from '../../src/io/scenario.js';
import type { CompiledScenario } from '../../src/model/compile.js';
import type { Drug, Globals, Scenario } from '../../src/model/scenario.js';
import { trialCountsLength, type TrialSpec } from '../../src/model/trial.js';

export const GOLDEN_DIR = new URL('./', import.meta.url).pathname;

/** A TrialSpec (model/trial.ts, version 1 fields) as plain arrays. */
export interface GoldenTrialSpec {
  drug: number;
  months: number[];
  thresholds: number[];
  bandLo: number[];
  bandHi: number[];
}

export interface Golden {
  case: string;
  kind: 'run' | 'trial' | 'power';
  /** The resolved scenario, every version-1 default filled. */
  scenario: Scenario;
  trial?: GoldenTrialSpec;
  power?: PowerSpec;
  /** run: merged block aggregates (model/layout.ts); trial: merged trial counts; power: runPowerBlock's output. */
  aggregates: number[];
  /** Policies with two doses of one molecule back to back (MODEL.md's one stated exception): not compared. */
  doseChangePolicies?: string[];
}

/** One drug of a catalog file and its globals, as `jaksim trial` reads them. */
export function catalogDrugOf(file: string, id: string): { drug: Drug; globals: Globals } {
  const doc = resolveCatalogReference({ catalog: { file: resolve(file) } }, file) as { catalog: Drug[]; globals?: Partial<Globals> };
  const d = doc.catalog.find((x) => x.id === id)!;
  return { drug: { ...d, molecule: d.molecule ?? id.split('-')[0] }, globals: { ...DEFAULTS.globals, ...(doc.globals ?? {}) } };
}

/** Merged aggregates of a whole run, in-process. */
export function runAggregates(c: CompiledScenario): number[] {
  return Array.from(mergeBlocks(c, new Map(planBlocks(c.patients).map((b) => [b.index, runBlock(c, b)]))));
}

/** Merged trial-mode counts, in-process. */
export function trialAggregates(c: CompiledScenario, spec: GoldenTrialSpec): number[] {
  const t: TrialSpec = {
    drug: spec.drug, months: Float64Array.from(spec.months), thresholds: Float64Array.from(spec.thresholds),
    bandLo: Float64Array.from(spec.bandLo), bandHi: Float64Array.from(spec.bandHi),
  };
  const total = new Float64Array(trialCountsLength(t));
  for (const b of planBlocks(c.patients)) {
    const out = runTrialBlock(c, t, b);
    for (let i = 0; i < total.length; i++) total[i] += out[i];
  }
  return Array.from(total);
}
