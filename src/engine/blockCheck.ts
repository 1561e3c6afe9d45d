// Range checks of one block's aggregates (model/layout.ts) read back from a checkpoint or a partial file:
// counts are whole numbers between 0 and the block's patients and add up where they must, month sums lie
// between 0 and patients x horizon, every number is finite. They catch damage and impossible values; a
// plausible forgery (counts moved between visits) passes them: see README "Limits and guarantees".
import type { CompiledScenario } from '../model/compile.js';

/** A little room for the rounding of month sums (the horizon times many patients, summed in floating point). */
const SLACK = 1 + 1e-9;

/**
 * What is impossible about block aggregates `a` of `patients` patients of the compiled scenario `c`, in
 * words naming the first offending value; null when every check passes.
 */
export function blockProblem(c: CompiledScenario, a: Float64Array, patients: number): string | null {
  const lay = c.layout;
  if (a.length !== lay.length) return `${a.length} numbers, expected ${lay.length}`;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return `value ${i} is ${a[i]}`;
  const n = patients;
  const maxMonths = n * c.horizon * SLACK;
  const count = (at: number, max: number, what: string): string | null =>
    (Number.isInteger(a[at]) && a[at] >= 0 && a[at] <= max ? null : `${what} is ${a[at]}, expected a whole number from 0 to ${max}`);
  const months = (at: number, max: number, what: string): string | null =>
    (a[at] >= 0 && a[at] <= max ? null : `${what} is ${a[at]}, expected 0 to ${max}`);
  const V = lay.visitCount;
  const L = lay.maxLines;
  for (let p = 0; p < c.policyCount; p++) {
    const base = p * lay.policyStride;
    const at = `policy ${p + 1}`;
    let firsts = 0;
    for (let v = 0; v <= V; v++) {
      const bad = count(base + lay.firstResponse + v, n, `${at}: first responses at visit ${v + 1}`);
      if (bad) return bad;
      firsts += a[base + lay.firstResponse + v];
    }
    if (firsts !== n) return `${at}: first responses (and never) add up to ${firsts}, expected the block's ${n} patients`;
    for (let v = 0; v < V; v++) {
      const bad = count(base + lay.point + v, n, `${at}: responders at visit ${v + 1}`);
      if (bad) return bad;
    }
    let used = 0;
    for (let j = 0; j < L; j++) {
      const bad = count(base + lay.entered + j, n, `${at}: patients entering line ${j + 1}`)
        ?? count(base + lay.respondedOn + j, a[base + lay.entered + j], `${at}: responders on line ${j + 1}`);
      if (bad) return bad;
    }
    for (let j = 0; j <= L; j++) {
      const bad = count(base + lay.linesUsed + j, n, `${at}: patients using ${j} lines`);
      if (bad) return bad;
      used += a[base + lay.linesUsed + j];
    }
    if (used !== n) return `${at}: patients by lines used add up to ${used}, expected ${n}`;
    const bad = months(base + lay.nonResponseMonths, maxMonths, `${at}: months on non-responding lines`)
      ?? months(base + lay.nonResponseMonthsSq, maxMonths * c.horizon * SLACK, `${at}: their squares`)
      ?? count(base + lay.aeStops, n * L, `${at}: adverse-event stops`);
    if (bad) return bad;
    for (let d = 0; d < lay.drugCount; d++) {
      const drug = months(base + lay.drugMonths + d, maxMonths, `${at}: months on drug ${d + 1}`);
      if (drug) return drug;
    }
    if (!(a[base + lay.cost] >= 0 && a[base + lay.cost + 1] >= 0 && a[base + lay.cost + 2] >= 0 && a[base + lay.cost + 2] <= a[base + lay.cost] * SLACK)) {
      return `${at}: cost sums ${a[base + lay.cost]}, ${a[base + lay.cost + 1]}, ${a[base + lay.cost + 2]} are not possible`;
    }
  }
  for (let q = 0; q < c.pairCount; q++) {
    const off = lay.pairBase + q * lay.pairStride;
    const at = `comparison ${q + 1}`;
    for (const [start, who] of [[lay.bOnly, 'b only'], [lay.aOnly, 'a only']] as const) {
      let running = 0;
      for (let v = 0; v <= V; v++) {
        const x = a[off + start + v];
        running += x;
        if (!Number.isInteger(x) || !(running >= 0 && running <= n)) return `${at}: patients responded under ${who} by visit ${v + 1} is ${running}, expected 0 to ${n}`;
      }
    }
    for (const [sum, max, what] of [[lay.pairNonResponse, maxMonths, 'months on non-responding lines'], [lay.pairLines, n * L, 'lines used']] as const) {
      if (!(Math.abs(a[off + sum]) <= max && a[off + sum + 1] >= 0)) return `${at}: the paired difference in ${what} is not possible`;
    }
    for (let d = 0; d < lay.drugCount; d++) {
      if (!(Math.abs(a[off + lay.pairDrugMonths + 2 * d]) <= maxMonths && a[off + lay.pairDrugMonths + 2 * d + 1] >= 0)) return `${at}: the paired difference in months on drug ${d + 1} is not possible`;
    }
    if (!(a[off + lay.pairCost + 1] >= 0)) return `${at}: the squared cost differences sum to a negative number`;
  }
  return null;
}
