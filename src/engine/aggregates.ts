// Named, typed views of a run's merged aggregates (model/layout.ts), so summaries read fields, not offsets.
import type { AggregateLayout } from '../model/layout.js';
import type { BlockAggregates } from './runBlock.js';

/** A sum over patients and the sum of squares of the same quantity. */
export interface SumAndSquares { sum: number; sumSq: number }

/** One policy's aggregates. */
export class PolicyAggregates {
  private readonly base: number;

  constructor(private readonly acc: BlockAggregates, private readonly lay: AggregateLayout, policy: number) {
    this.base = policy * lay.policyStride;
  }

  /** Patients whose first response is at visit index v (v = visitCount: never). */
  firstResponse(v: number): number { return this.acc[this.base + this.lay.firstResponse + v]; }
  /** Patients with SALT <= threshold at visit index v. */
  point(v: number): number { return this.acc[this.base + this.lay.point + v]; }
  /** Patients who entered line j (0-based), and who responded on it. */
  entered(j: number): number { return this.acc[this.base + this.lay.entered + j]; }
  respondedOn(j: number): number { return this.acc[this.base + this.lay.respondedOn + j]; }
  /** Patients who entered exactly `lines` lines. */
  linesUsed(lines: number): number { return this.acc[this.base + this.lay.linesUsed + lines]; }
  /** Months on lines that did not lead to response: sum and sum of squares over patients. */
  nonResponseMonths(): SumAndSquares {
    return { sum: this.acc[this.base + this.lay.nonResponseMonths], sumSq: this.acc[this.base + this.lay.nonResponseMonthsSq] };
  }
  /** Months on catalog drug d, summed over patients. */
  drugMonths(d: number): number { return this.acc[this.base + this.lay.drugMonths + d]; }
  /** Lines ended by an adverse event. */
  aeStops(): number { return this.acc[this.base + this.lay.aeStops]; }
  /** Drug cost C: sum, sum of squares, and the sum over patients who responded by the horizon. */
  cost(): SumAndSquares & { responderSum: number } {
    const at = this.base + this.lay.cost;
    return { sum: this.acc[at], sumSq: this.acc[at + 1], responderSum: this.acc[at + 2] };
  }
}

/** One comparison pair's aggregates (per-patient differences b - a). */
export class PairAggregates {
  private readonly base: number;

  constructor(private readonly acc: BlockAggregates, private readonly lay: AggregateLayout, pair: number) {
    this.base = lay.pairBase + pair * lay.pairStride;
  }

  /** Difference arrays over visit index: responded under b only, and under a only. */
  bOnly(v: number): number { return this.acc[this.base + this.lay.bOnly + v]; }
  aOnly(v: number): number { return this.acc[this.base + this.lay.aOnly + v]; }
  private sums(at: number): SumAndSquares { return { sum: this.acc[this.base + at], sumSq: this.acc[this.base + at + 1] }; }
  nonResponseMonths(): SumAndSquares { return this.sums(this.lay.pairNonResponse); }
  linesUsed(): SumAndSquares { return this.sums(this.lay.pairLines); }
  drugMonths(d: number): SumAndSquares { return this.sums(this.lay.pairDrugMonths + 2 * d); }
  /** Cost difference d: sum, sum of squares, and the sum of d times the difference in response by the horizon. */
  cost(): SumAndSquares & { responseProduct: number } {
    const at = this.base + this.lay.pairCost;
    return { sum: this.acc[at], sumSq: this.acc[at + 1], responseProduct: this.acc[at + 2] };
  }
}
