// The result document of `jaksim psa` (psa.json, `--json`) and the per-draw data behind it.
import type { Acceptability, BestPolicyMonth, PsaComparison, PsaPolicy, RunCurves, Spread } from '../engine/psaSummary.js';
import type { UncertainValue } from '../model/scenario.js';

export interface PsaParameterSummary {
  path: string;
  label: string;
  /** The distribution, or `{ from: calibration }`. */
  distribution: UncertainValue;
  /** The scenario's value (the tornado's centre). */
  base: number;
  /** Over the draws. */
  drawn: Spread;
}

export interface TornadoBar {
  path: string;
  label: string;
  low: { value: number; outcome: number };
  high: { value: number; outcome: number };
  /** |outcome(high) - outcome(low)|: the bars are sorted by it. */
  swing: number;
}

/** One-way sensitivity of one outcome at the horizon: each parameter at its 2.5% and 97.5% draw quantile, the others at the scenario's values. */
export interface Tornado {
  /** `rate(b) - rate(a)` of a comparison (or a policy's rate when the scenario compares none). */
  outcome: string;
  a: string | null;
  b: string;
  month: number;
  /** The outcome with every parameter at the scenario's value. */
  base: number;
  bars: TornadoBar[];
}

export interface PartialInformation {
  /** A parameter's path, a drug's parameters, every calibrated parameter, or a group the scenario names. */
  name: string;
  parameters: string[];
  value: number;
  method: string;
}

export interface ValueOfInformation {
  decisionMonth: number;
  /** What each policy's value is: the cumulative response at the decision month, per patient. */
  outcome: string;
  evpi: number;
  evppi: PartialInformation[];
  /** With prices and --wtp: the same in net benefit (wtp x response - drug cost over the horizon), per patient. */
  netBenefit: { wtp: number; evpi: number; evppi: PartialInformation[] } | null;
}

export interface PsaResult {
  scenario: string;
  seed: number;
  draws: number;
  patientsPerDraw: number;
  workers: number;
  engineVersion: string;
  horizon: number;
  visitEveryMonths: number;
  responseThreshold: number;
  /** How the draws share random numbers, and how the Monte Carlo part is separated. */
  commonRandomNumbers: string;
  monteCarlo: string;
  parameters: PsaParameterSummary[];
  groups: { name: string; paths: string[] }[];
  /** The posterior draws used by `from: calibration` parameters. */
  calibration: { drawsFile: string; draws: number; ess: number } | null;
  policies: PsaPolicy[];
  comparisons: PsaComparison[];
  bestPolicy: BestPolicyMonth[];
  /** With prices: the cost-effectiveness acceptability curve at the decision month. */
  acceptability: Acceptability | null;
  tornado: Tornado[];
  voi: ValueOfInformation;
  /** A note on the parts of the analysis that were left out. */
  notes: string[];
}

/** The per-draw data behind a PSA result: parameter values and curves, in draw order. */
export interface PsaDrawData {
  values: number[][];
  runs: RunCurves[];
}
