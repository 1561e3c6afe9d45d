// Per-draw curves of a PSA (from each run's merged aggregates) and their summaries across draws: uncertainty
// intervals beside the Monte Carlo part, paired differences, the probability each policy is best, acceptability.
import type { CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { interpolatedQuantile } from '../stats/quantiles.js';
import { Z95 } from '../stats/special.js';

/**
 * One run's curves, from its merged aggregates: per policy the cumulative
 * and point responder counts at each visit and the drug cost summed over
 * patients; per comparison the counts who have responded under b only and a only.
 */
export interface RunCurves {
  cumulative: Float64Array[];
  point: Float64Array[];
  cost: Float64Array;
  bOnly: Float64Array[];
  aOnly: Float64Array[];
}

/** Read a run's curves from its merged aggregates (model/layout.ts), as engine/summarize.ts does. */
export function runCurves(c: CompiledScenario, acc: Float64Array): RunCurves {
  const lay = c.layout;
  const V = lay.visitCount;
  const cumulative: Float64Array[] = [];
  const point: Float64Array[] = [];
  const cost = new Float64Array(c.policyCount);
  for (let p = 0; p < c.policyCount; p++) {
    const base = p * lay.policyStride;
    const cum = new Float64Array(V);
    let running = 0;
    for (let v = 0; v < V; v++) cum[v] = running += acc[base + lay.firstResponse + v];
    cumulative.push(cum);
    point.push(acc.slice(base + lay.point, base + lay.point + V));
    cost[p] = acc[base + lay.cost];
  }
  const bOnly: Float64Array[] = [];
  const aOnly: Float64Array[] = [];
  for (let q = 0; q < c.pairCount; q++) {
    const off = lay.pairBase + q * lay.pairStride;
    const b = new Float64Array(V);
    const a = new Float64Array(V);
    let nb = 0;
    let na = 0;
    for (let v = 0; v < V; v++) {
      b[v] = nb += acc[off + lay.bOnly + v];
      a[v] = na += acc[off + lay.aOnly + v];
    }
    bOnly.push(b);
    aOnly.push(a);
  }
  return { cumulative, point, cost, bOnly, aOnly };
}

/**
 * Mean as x_0 + mean(x_i - x_0): exactly x_0 when every value is x_0 (a sum
 * of n equal doubles divided by n need not be), so a PSA with every
 * parameter fixed reports the run's own rates.
 */
export function exactMean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] - xs[0];
  return xs[0] + s / xs.length;
}

/** A summary over draws: mean, the 2.5% and 97.5% quantiles (interpolated, type 7), sd. */
export interface Spread { mean: number; lo: number; hi: number; sd: number }

export function spread(xs: ArrayLike<number>): Spread {
  const list = Array.from(xs);
  const mean = exactMean(list);
  const sd = list.length > 1 ? Math.sqrt(list.reduce((a, x) => a + (x - mean) ** 2, 0) / (list.length - 1)) : 0;
  return { mean, lo: interpolatedQuantile(list, 0.025), hi: interpolatedQuantile(list, 0.975), sd };
}

export interface PsaMonth extends Spread {
  month: number;
  /** Half-width of the 95% Monte Carlo interval of one draw's value: Z95 sqrt(mean over draws of p (1 - p) / N). */
  mcHalfWidth: number;
}

export interface PsaPolicy {
  id: string;
  cumulative: PsaMonth[];
  point: PsaMonth[];
  /** Drug cost per patient over the horizon across draws (null without prices). */
  cost: Spread | null;
}

export interface PsaComparisonMonth extends PsaMonth {
  /** Share of draws with rate(b) > rate(a), and with the two equal. */
  pBetter: number;
  pTie: number;
}

export interface PsaComparison {
  a: string;
  b: string;
  /** rate(b) - rate(a) of cumulative response per draw (paired within the draw), summarised across draws. */
  cumulative: PsaComparisonMonth[];
  /** Per-patient cost difference b - a across draws (null without prices). */
  cost: Spread | null;
}

export interface BestPolicyMonth { month: number; probability: Record<string, number> }

/** Monthly summaries of the draws' curves. */
export function summariseDraws(s: Scenario, c: CompiledScenario, runs: readonly RunCurves[]): {
  policies: PsaPolicy[]; comparisons: PsaComparison[]; bestPolicy: BestPolicyMonth[]; months: number[];
} {
  const n = c.patients;
  const V = c.visitCount;
  const months = Array.from({ length: V }, (_, v) => (v + 1) * c.visitMonths);
  const rateMonths = (counts: (r: RunCurves) => Float64Array) => months.map((month, v) => {
    const rates = runs.map((r) => counts(r)[v] / n);
    const mcVariance = exactMean(rates.map((p) => (p * (1 - p)) / n));
    return { month, ...spread(rates), mcHalfWidth: Z95 * Math.sqrt(Math.max(0, mcVariance)) };
  });
  const policies = s.policies.map((p, j): PsaPolicy => ({
    id: p.id,
    cumulative: rateMonths((r) => r.cumulative[j]),
    point: rateMonths((r) => r.point[j]),
    cost: c.hasCosts ? spread(runs.map((r) => r.cost[j] / n)) : null,
  }));
  const comparisons = s.comparisons.map(([a, b], q): PsaComparison => {
    const ia = s.policies.findIndex((p) => p.id === a);
    const ib = s.policies.findIndex((p) => p.id === b);
    return {
      a, b,
      cumulative: months.map((month, v) => {
        const diffs = runs.map((r) => (r.bOnly[q][v] - r.aOnly[q][v]) / n);
        // Paired Monte Carlo variance of one draw's difference, from its discordant counts (as a run's interval).
        const mcVariance = exactMean(runs.map((r, d) => ((r.bOnly[q][v] + r.aOnly[q][v]) / n - diffs[d] ** 2) / n));
        return {
          month, ...spread(diffs), mcHalfWidth: Z95 * Math.sqrt(Math.max(0, mcVariance)),
          pBetter: diffs.filter((x) => x > 0).length / runs.length,
          pTie: diffs.filter((x) => x === 0).length / runs.length,
        };
      }),
      cost: c.hasCosts ? spread(runs.map((r) => (r.cost[ib] - r.cost[ia]) / n)) : null,
    };
  });
  const bestPolicy = months.map((month, v) => ({
    month, probability: bestShares(s.policies.map((p) => p.id), runs.map((r) => r.cumulative.map((x) => x[v]))),
  }));
  return { policies, comparisons, bestPolicy, months };
}

/** Share of draws in which each option has the largest value (a tie shares the draw equally). */
export function bestShares(ids: readonly string[], values: readonly ArrayLike<number>[]): Record<string, number> {
  const share = new Float64Array(ids.length);
  for (const row of values) {
    let best = -Infinity;
    for (let j = 0; j < ids.length; j++) best = Math.max(best, row[j]);
    const winners: number[] = [];
    for (let j = 0; j < ids.length; j++) if (row[j] === best) winners.push(j);
    for (const j of winners) share[j] += 1 / winners.length;
  }
  return Object.fromEntries(ids.map((id, j) => [id, share[j] / Math.max(1, values.length)]));
}

/**
 * Net benefit per patient of each policy in each draw: wtp x (cumulative
 * response at the decision visit) - drug cost per patient over the horizon;
 * with no price (wtp null) the response itself.
 */
export function netBenefits(runs: readonly RunCurves[], policyCount: number, visit: number, n: number, wtp: number | null): Float64Array[] {
  return Array.from({ length: policyCount }, (_, j) => Float64Array.from(runs, (r) => {
    const response = r.cumulative[j][visit] / n;
    return wtp === null ? response : wtp * response - r.cost[j] / n;
  }));
}

export interface Acceptability {
  /** Decision visit month of the response counted. */
  month: number;
  /** Willingness to pay per additional responder, and per policy the share of draws in which it has the largest net benefit. */
  wtp: number[];
  probability: Record<string, number[]>;
}

/** A round number at or above x: 1, 2 or 5 times a power of ten. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x * (1 - 1e-12))!;
}

/**
 * The cost-effectiveness acceptability curve: over a grid of 51 values of
 * willingness to pay from 0 to a round number above 1.5 times the 90th
 * percentile of the draws' incremental cost per additional responder
 * (against the first policy; `wtp` is always on the grid), the probability
 * that each policy has the largest net benefit.
 */
export function acceptability(ids: readonly string[], runs: readonly RunCurves[], visit: number, month: number, n: number, wtp: number | null): Acceptability {
  const ratios: number[] = [];
  for (const r of runs) {
    for (let j = 1; j < ids.length; j++) {
      const de = (r.cumulative[j][visit] - r.cumulative[0][visit]) / n;
      if (de !== 0) ratios.push(Math.abs((r.cost[j] - r.cost[0]) / n / de));
    }
  }
  const top = niceCeil(1.5 * (ratios.length ? interpolatedQuantile(ratios, 0.9) : 1));
  const grid = [...new Set([...Array.from({ length: 51 }, (_, i) => (top * i) / 50), ...(wtp === null ? [] : [wtp])])].sort((a, b) => a - b);
  const probability: Record<string, number[]> = Object.fromEntries(ids.map((id) => [id, [] as number[]]));
  for (const w of grid) {
    const nb = netBenefits(runs, ids.length, visit, n, w);
    const shares = bestShares(ids, runs.map((_, d) => nb.map((x) => x[d])));
    for (const id of ids) probability[id].push(shares[id]);
  }
  return { month, wtp: grid, probability };
}
