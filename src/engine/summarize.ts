// Merged aggregates -> the run's result document (MODEL.md "Visits and response" and the secondary outputs).
import type { CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { meanInterval, pairedDifference, ratioOfMeans, wilson, type Difference, type Rate, type Ratio } from '../stats/intervals.js';

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
function policyCost(acc: Float64Array, at: number, responders: number, n: number): PolicyCost {
  const perPatient = meanInterval(acc[at], acc[at + 1], n);
  return {
    perPatient: { mean: perPatient.diff, lo: perPatient.lo, hi: perPatient.hi },
    perResponder: ratioOfMeans({ sx: acc[at], sxx: acc[at + 1], sy: responders, syy: responders, sxy: acc[at + 2] }, n),
  };
}

/** Build the result document from merged aggregates. */
export function summarizeRun(
  s: Scenario, c: CompiledScenario, acc: Float64Array, meta: { workers: number; engineVersion: string },
): RunResult {
  const lay = c.layout;
  const n = c.patients;
  // Visit months as labels, rounded to 12 significant digits: 21 x 0.1 is 2.1, not 2.1000000000000005
  // (the simulation itself keeps the exact products).
  const months = Array.from({ length: lay.visitCount }, (_, v) => Number(((v + 1) * c.visitMonths).toPrecision(12)));
  const policies = s.policies.map((policy, p): PolicyResult => {
    const base = p * lay.policyStride;
    let cum = 0;
    const cumulative = months.map((month, v) => {
      cum += acc[base + lay.firstResponse + v];
      return { month, ...wilson(cum, n) };
    });
    const responders = cum;
    const point = months.map((month, v) => ({ month, ...wilson(acc[base + lay.point + v], n) }));
    let median: number | null = null;
    let running = 0;
    for (let v = 0; v < lay.visitCount && responders > 0; v++) {
      running += acc[base + lay.firstResponse + v];
      if (running >= responders / 2) { median = months[v]; break; }
    }
    const byLine = policy.sequence.map((drug, j) => {
      const entered = acc[base + lay.entered + j];
      const responded = acc[base + lay.respondedOn + j];
      const r = wilson(responded, entered);
      return { line: j + 1, drug, entered, responded, share: r.rate, lo: r.lo, hi: r.hi };
    });
    const linesUsed = policy.sequence.map((_, j) => {
      const patients = acc[base + lay.linesUsed + j + 1];
      return { lines: j + 1, patients, share: patients / n };
    });
    const sum = acc[base + lay.nonResponseMonths];
    const mean = sum / n;
    const variance = Math.max(0, acc[base + lay.nonResponseMonthsSq] / n - mean * mean);
    // fromEntries defines own properties: a drug id such as __proto__ stays a key (an assignment would not).
    const drugMonths: Record<string, number> = Object.fromEntries(s.catalog.map((d, i) => [d.id, acc[base + lay.drugMonths + i] / n]));
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
      adverseEventStops: acc[base + lay.aeStops],
      cost: c.hasCosts ? policyCost(acc, base + lay.cost, responders, n) : null,
    };
  });
  const comparisons = s.comparisons.map(([a, b], q): ComparisonResult => {
    const off = lay.pairBase + q * lay.pairStride;
    let bOnly = 0;
    let aOnly = 0;
    const cumulative = months.map((month, v) => {
      bOnly += acc[off + lay.bOnly + v];
      aOnly += acc[off + lay.aOnly + v];
      return { month, ...pairedDifference(bOnly, aOnly, n) };
    });
    const mean = (at: number) => meanInterval(acc[off + at], acc[off + at + 1], n);
    const drugMonths: Record<string, Difference> = Object.fromEntries(s.catalog.map((d, g) => [d.id, mean(lay.pairDrugMonths + 2 * g)]));
    let cost: ComparisonCost | null = null;
    if (c.hasCosts) {
      const at = off + lay.pairCost;
      cost = {
        perPatient: mean(lay.pairCost),
        perAdditionalResponder: ratioOfMeans(
          { sx: acc[at], sxx: acc[at + 1], sy: bOnly - aOnly, syy: bOnly + aOnly, sxy: acc[at + 2] }, n),
      };
    }
    return {
      a, b, cumulative,
      nonResponseMonths: mean(lay.pairNonResponse),
      linesUsed: mean(lay.pairLines),
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
