// The shape of the version-1 golden files (pin.ts writes them once, golden.test.ts reads them).
import { resolve } from 'node:path';
import { DEFAULTS, resolveCatalogReference } from '../../src/io/scenario.js';
import type { PowerSpec } from '../../src/engine/trialSim.js';
import type { Drug, Globals, Scenario } from '../../src/model/scenario.js';

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
