// Merged aggregates -> the run's result document (MODEL.md "Visits and response" and the secondary outputs).
import type { CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { meanInterval, pairedDifference, ratioOfMeans, wilson, type Difference, type Rate, type Ratio } from '../stats/intervals.js';
import { PairAggregates, PolicyAggregates, type SumAndSquares } from './aggregates.js';
import type { BlockAggregates } from './runBlock.js';

export interface MonthRate extends Rate { month: number }
export interface MonthDifference extends Difference { month: number }

export interface PolicyResult {
  id: string;
  sequence: string[];
  cumulative: MonthRate[];
  point: MonthRate[];
  /** Of the patients who entered line k, the share who responded on it. */
  byLine: { line: number; drug: string; entered: number; responded: number; share: number; lo: number; hi: number }[];
  responders: number;
  /** Smallest visit month by which at least half of the eventual responders had responded; null without responders. */
  medianMonthsToFirstResponse: number | null;
  /** Mean over all patients of months spent on lines that did not lead to response, with its standard error. */
  meanNonResponseMonths: number;
  meanNonResponseMonthsSe: number;
  linesUsed: { lines: number; patients: number; share: number }[];
  /** Mean months per patient on each drug of the catalog. */
  drugMonths: Record<string, number>;
  adverseEventStops: number;
  /** Drug cost per patient over the horizon and per responder (monthly list prices); null without prices. */
  cost: PolicyCost | null;
  /** The policy's rule after the last line fails; `stop` leaves the patient off all drugs (named for readers). */
  afterLastLine: 'stop' | 'stay';
  offAllDrugsAfterLastLine: boolean;
}

/** Costs of one policy: mean per patient (Wald interval), and per responder by the horizon (delta method). */
export interface PolicyCost {
  perPatient: { mean: number; lo: number; hi: number };
  perResponder: Ratio;
}

/** Paired differences b - a of the costs: per patient, and the incremental cost per additional responder. */
export interface ComparisonCost {
  perPatient: Difference;
  /** mean(cost b - cost a) / (rate(b) - rate(a)) at the horizon; interval by the delta method (null where unbounded). */
  perAdditionalResponder: Ratio;
}

export interface ComparisonResult {
  a: string;
  b: string;
  /** rate(b) - rate(a) of cumulative response, paired over the same patients. */
  cumulative: MonthDifference[];
  /** Paired per-patient differences b - a of the secondary outputs (means over all patients). */
  nonResponseMonths: Difference;
  linesUsed: Difference;
  drugMonths: Record<string, Difference>;
  cost: ComparisonCost | null;
}

export interface RunResult {
  scenario: string;
  seed: number;
  patients: number;
  workers: number;
  engineVersion: string;
  horizon: number;
  visitEveryMonths: number;
  responseThreshold: number;
  policies: PolicyResult[];
  comparisons: ComparisonResult[];
}

/** Cost per patient and per responder from the sums of C, C^2 and C over responders (X = C, Y = responded). */
function policyCost(a: PolicyAggregates, responders: number, n: number): PolicyCost {
  const c = a.cost();
  const perPatient = meanInterval(c.sum, c.sumSq, n);
  return {
    perPatient: { mean: perPatient.diff, lo: perPatient.lo, hi: perPatient.hi },
    perResponder: ratioOfMeans({ sx: c.sum, sxx: c.sumSq, sy: responders, syy: responders, sxy: c.responderSum }, n),
  };
}

/** Build the result document from merged aggregates. */
export function summarizeRun(
  s: Scenario, c: CompiledScenario, acc: BlockAggregates, meta: { workers: number; engineVersion: string },
): RunResult {
  const lay = c.layout;
  const n = c.patients;
  // Visit months as labels, rounded to 12 significant digits: 21 x 0.1 is 2.1, not 2.1000000000000005
  // (the simulation itself keeps the exact products).
  const months = Array.from({ length: lay.visitCount }, (_, v) => Number(((v + 1) * c.visitMonths).toPrecision(12)));
  const policies = s.policies.map((policy, policyIndex): PolicyResult => {
    const a = new PolicyAggregates(acc, lay, policyIndex);
    let cum = 0;
    const cumulative = months.map((month, v) => {
      cum += a.firstResponse(v);
      return { month, ...wilson(cum, n) };
    });
    const responders = cum;
    const point = months.map((month, v) => ({ month, ...wilson(a.point(v), n) }));
    let median: number | null = null;
    let running = 0;
    for (let v = 0; v < lay.visitCount && responders > 0; v++) {
      running += a.firstResponse(v);
      if (running >= responders / 2) { median = months[v]; break; }
    }
    const byLine = policy.sequence.map((drug, j) => {
      const entered = a.entered(j);
      const responded = a.respondedOn(j);
      const r = wilson(responded, entered);
      return { line: j + 1, drug, entered, responded, share: r.rate, lo: r.lo, hi: r.hi };
    });
    const linesUsed = policy.sequence.map((_, j) => {
      const patients = a.linesUsed(j + 1);
      return { lines: j + 1, patients, share: patients / n };
    });
    const nonResponse = a.nonResponseMonths();
    const mean = nonResponse.sum / n;
    const variance = Math.max(0, nonResponse.sumSq / n - mean * mean);
    // fromEntries defines own properties: a drug id such as __proto__ stays a key (an assignment would not).
    const drugMonths: Record<string, number> = Object.fromEntries(s.catalog.map((d, i) => [d.id, a.drugMonths(i) / n]));
    return {
      id: policy.id,
      sequence: policy.sequence,
      cumulative,
      point,
      byLine,
      responders,
      medianMonthsToFirstResponse: median,
      meanNonResponseMonths: mean,
      meanNonResponseMonthsSe: Math.sqrt(variance / n),
      linesUsed,
      drugMonths,
      adverseEventStops: a.aeStops(),
      cost: c.hasCosts ? policyCost(a, responders, n) : null,
      afterLastLine: policy.afterLastLine,
      offAllDrugsAfterLastLine: policy.afterLastLine === 'stop',
    };
  });
  const comparisons = s.comparisons.map(([a, b], q): ComparisonResult => {
    const pair = new PairAggregates(acc, lay, q);
    let bOnly = 0;
    let aOnly = 0;
    const cumulative = months.map((month, v) => {
      bOnly += pair.bOnly(v);
      aOnly += pair.aOnly(v);
      return { month, ...pairedDifference(bOnly, aOnly, n) };
    });
    const mean = (x: SumAndSquares) => meanInterval(x.sum, x.sumSq, n);
    const drugMonths: Record<string, Difference> = Object.fromEntries(s.catalog.map((d, g) => [d.id, mean(pair.drugMonths(g))]));
    let cost: ComparisonCost | null = null;
    if (c.hasCosts) {
      const x = pair.cost();
      cost = {
        perPatient: mean(x),
        perAdditionalResponder: ratioOfMeans({ sx: x.sum, sxx: x.sumSq, sy: bOnly - aOnly, syy: bOnly + aOnly, sxy: x.responseProduct }, n),
      };
    }
    return {
      a, b, cumulative,
      nonResponseMonths: mean(pair.nonResponseMonths()),
      linesUsed: mean(pair.linesUsed()),
      drugMonths,
      cost,
    };
  });
  return {
    scenario: s.name,
    seed: c.seed,
    patients: n,
    workers: meta.workers,
    engineVersion: meta.engineVersion,
    horizon: s.horizon,
    visitEveryMonths: s.visitEveryMonths,
    responseThreshold: s.responseThreshold,
    policies,
    comparisons,
  };
}
