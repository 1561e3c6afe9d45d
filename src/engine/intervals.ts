// Monte Carlo uncertainty: Wilson intervals for rates, Wald intervals for paired differences.
import { Z95 } from '../model/normal.js';

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
