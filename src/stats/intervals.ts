// Intervals: the Wilson score interval for rates, Wald intervals for (paired) differences and means, delta-method ratios.
import { Z95 } from './special.js';

export interface Rate { rate: number; lo: number; hi: number }

/** Rate x / n with its 95% Wilson score interval. */
export function wilson(x: number, n: number, z = Z95): Rate {
  if (n <= 0) return { rate: 0, lo: 0, hi: 1 };
  const p = x / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Exact edges: rounding would otherwise leave lo a hair above 0 at x = 0 (and hi below 1 at x = n).
  return { rate: p, lo: x === 0 ? 0 : Math.max(0, centre - half), hi: x === n ? 1 : Math.min(1, centre + half) };
}

export interface Difference { diff: number; lo: number; hi: number }

/**
 * Paired difference of two proportions on the same n patients, from the
 * discordant counts: bOnly responded under b only, aOnly under a only.
 * diff = (bOnly - aOnly) / n, variance ((bOnly + aOnly) / n - diff^2) / n (Wald).
 */
export function pairedDifference(bOnly: number, aOnly: number, n: number, z = Z95): Difference {
  const diff = (bOnly - aOnly) / n;
  const variance = Math.max(0, ((bOnly + aOnly) / n - diff * diff) / n);
  const half = z * Math.sqrt(variance);
  return { diff, lo: diff - half, hi: diff + half };
}

/** Unpaired difference of two independent proportions (Wald), for comparison with the paired one. */
export function unpairedDifference(xa: number, xb: number, n: number, z = Z95): Difference {
  const pa = xa / n;
  const pb = xb / n;
  const half = z * Math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / n);
  return { diff: pb - pa, lo: pb - pa - half, hi: pb - pa + half };
}

/**
 * Mean of a per-patient quantity from its sum and sum of squares over n
 * patients, with a 95% Wald interval (n is large). Used for paired
 * differences of secondary outputs (the per-patient difference b - a) and
 * for mean costs.
 */
export function meanInterval(sum: number, sumSq: number, n: number, z = Z95): Difference {
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSq - n * mean * mean) / (n - 1)) : 0;
  const half = z * Math.sqrt(variance / n);
  return { diff: mean, lo: mean - half, hi: mean + half };
}

/** Sums over n patients of two per-patient quantities X and Y, their squares and product. */
export interface PairSums { sx: number; sxx: number; sy: number; syy: number; sxy: number }

export interface Ratio { value: number | null; lo: number | null; hi: number | null }

/**
 * Ratio of means R = mean(X) / mean(Y) with a 95% interval by the delta method:
 * Var(R) ~ (Var X - 2 R Cov(X, Y) + R^2 Var Y) / (n mean(Y)^2).
 * The value is null when mean(Y) = 0; the interval is null when the 95%
 * interval of mean(Y) contains 0 (the ratio is then unbounded: Fieller's
 * interval would be the whole line or two half-lines).
 */
export function ratioOfMeans(s: PairSums, n: number, z = Z95): Ratio {
  const mx = s.sx / n;
  const my = s.sy / n;
  if (my === 0) return { value: null, lo: null, hi: null };
  const r = mx / my;
  const vx = Math.max(0, s.sxx / n - mx * mx);
  const vy = Math.max(0, s.syy / n - my * my);
  const cxy = s.sxy / n - mx * my;
  if (Math.abs(my) <= z * Math.sqrt(vy / n)) return { value: r, lo: null, hi: null };
  const variance = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (n * my * my));
  const half = z * Math.sqrt(variance);
  return { value: r, lo: r - half, hi: r + half };
}
