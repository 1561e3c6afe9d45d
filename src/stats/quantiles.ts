// Medians and quantiles: the one home of the order statistics used by bench, power analysis and calibration.
import { median as ssMedian, quantileSorted } from 'simple-statistics';

/** simple-statistics' quantile of sorted values (for p = 0.5 and an even count, the mean of the two middle values). */
export { quantileSorted };

/** Median of the values (the mean of the two middle ones for an even count); the input is not reordered. */
export function median(xs: readonly number[]): number {
  return ssMedian(xs as number[]);
}

/**
 * Quantile q of the values by linear interpolation between order statistics
 * (Hyndman and Fan type 7, R's and NumPy's default); NaN for no values.
 */
export function interpolatedQuantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}
