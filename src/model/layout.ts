// Where each aggregate sits in a block's Float64Array: counts (exact integers) and month sums.

/**
 * Offsets into one Float64Array of block aggregates. Per policy (stride
 * `policyStride`, from `policyBase + p * policyStride`):
 *   firstResponse[V + 1]  patients whose first response is at visit k (index k-1); index V: never
 *   point[V]              patients with SALT <= threshold at visit k
 *   entered[L], respondedOn[L]   patients who entered line j, and who responded on it
 *   linesUsed[L + 1]      patients by number of lines entered
 *   nonResponseMonths, nonResponseMonthsSq   sum and sum of squares, per patient, of months on lines without response
 *   drugMonths[D]         months on each drug (for costs)
 *   aeStops               lines ended by an adverse event
 *   cost, costSq, costResponder   sums over patients of drug cost C (priced catalogs only), C^2, and C
 *                         of the patients who responded by the horizon (for cost per responder)
 * Per comparison pair (stride `pairStride`): difference arrays, over visit
 * index, of patients who have responded under b but not a (bOnly) and the reverse (aOnly);
 * then sums over patients of each per-patient difference d = value(b) - value(a) and of d^2:
 *   pairNonResponse[2]    months on non-responding lines
 *   pairLines[2]          lines entered
 *   pairDrugMonths[2 D]   months on each drug (d, d^2 per drug)
 *   pairCost[3]           drug cost: d, d^2 and d times the difference in response by the horizon
 */
export interface AggregateLayout {
  visitCount: number;
  maxLines: number;
  drugCount: number;
  policyStride: number;
  firstResponse: number;
  point: number;
  entered: number;
  respondedOn: number;
  linesUsed: number;
  nonResponseMonths: number;
  nonResponseMonthsSq: number;
  drugMonths: number;
  aeStops: number;
  cost: number;
  pairBase: number;
  pairStride: number;
  bOnly: number;
  aOnly: number;
  pairNonResponse: number;
  pairLines: number;
  pairDrugMonths: number;
  pairCost: number;
  length: number;
}

export function aggregateLayout(
  policyCount: number, visitCount: number, maxLines: number, drugCount: number, pairCount: number,
): AggregateLayout {
  const v = visitCount;
  const firstResponse = 0;
  const point = firstResponse + v + 1;
  const entered = point + v;
  const respondedOn = entered + maxLines;
  const linesUsed = respondedOn + maxLines;
  const nonResponseMonths = linesUsed + maxLines + 1;
  const nonResponseMonthsSq = nonResponseMonths + 1;
  const drugMonths = nonResponseMonthsSq + 1;
  const aeStops = drugMonths + drugCount;
  const cost = aeStops + 1;
  const policyStride = cost + 3;
  const pairBase = policyCount * policyStride;
  const pairNonResponse = 2 * (v + 1);
  const pairLines = pairNonResponse + 2;
  const pairDrugMonths = pairLines + 2;
  const pairCost = pairDrugMonths + 2 * drugCount;
  const pairStride = pairCost + 3;
  return {
    visitCount, maxLines, drugCount, policyStride,
    firstResponse, point, entered, respondedOn, linesUsed, nonResponseMonths, nonResponseMonthsSq,
    drugMonths, aeStops, cost, pairBase, pairStride, bOnly: 0, aOnly: v + 1,
    pairNonResponse, pairLines, pairDrugMonths, pairCost,
    length: pairBase + pairCount * pairStride,
  };
}
