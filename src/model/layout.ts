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
 * Per comparison pair (stride `pairStride`): difference arrays, over visit
 * index, of patients who have responded under b but not a (bOnly) and the reverse (aOnly).
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
  pairBase: number;
  pairStride: number;
  bOnly: number;
  aOnly: number;
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
  const policyStride = aeStops + 1;
  const pairBase = policyCount * policyStride;
  const pairStride = 2 * (v + 1);
  return {
    visitCount, maxLines, drugCount, policyStride,
    firstResponse, point, entered, respondedOn, linesUsed, nonResponseMonths, nonResponseMonthsSq,
    drugMonths, aeStops, pairBase, pairStride, bOnly: 0, aOnly: v + 1,
    length: pairBase + pairCount * pairStride,
  };
}
