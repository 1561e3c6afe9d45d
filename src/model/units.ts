// Time units of MODEL.md ("Units"): months throughout, weeks converted exactly.

/** Days in a month: 365.25 / 12 (MODEL.md). */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Week w in months: 7w / 30.4375. */
export function weeksToMonths(weeks: number): number {
  return (7 * weeks) / DAYS_PER_MONTH;
}

/**
 * Tolerance for comparing elapsed months against policy thresholds: visit
 * times are k * v, and t - s can land a rounding error below a whole month.
 */
export const MONTH_EPS = 1e-9;
