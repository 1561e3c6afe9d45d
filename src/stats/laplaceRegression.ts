// The Laplace approximation of a noisy deviance (a simulated one under common random numbers), re-centred and
// re-scaled by a robust regression of the deviance on many points around the fit: D ~ c + g'z + a z'z in the
// coordinates the Laplace covariance whitens. p + 2 coefficients from hundreds of points average out the noise
// that makes the raw deviance rough between nearby points (and that leaves importance weights degenerate), and
// correct the local curvature at the fit, which a dip of that noise inflates. Solving by mathjs (loaded on first use).
import { median } from './quantiles.js';

export interface LaplaceRegression {
  centre: number[];
  /** Lower-triangular Cholesky factor of the Laplace covariance: x - centre = L z. */
  L: number[][];
  c: number;
  g: number[];
  /** The curvature scale: 1 where the Laplace approximation is right, below 1 where the deviance is flatter. */
  a: number;
  aSe: number;
  /** Robust residual sd (the deviance's noise about the surface), the points kept and those the robust fit dropped. */
  residualSd: number;
  points: number;
  outliers: number;
}

/** Reweighting rounds of the robust fit (Tukey's biweight, c = 4.685 robust sds). */
const ROBUST_ITERATIONS = 8;

/** The smallest curvature scale used (a flat or inverted fit would give an improper posterior). */
const MIN_CURVATURE_SCALE = 0.05;

/** z = L^-1 (x - centre) by forward substitution. */
function whiten(L: number[][], centre: readonly number[], x: readonly number[]): number[] {
  const z = new Array<number>(centre.length);
  for (let i = 0; i < z.length; i++) {
    let s = x[i] - centre[i];
    for (let j = 0; j < i; j++) s -= L[i][j] * z[j];
    z[i] = s / L[i][i];
  }
  return z;
}

/** Robust scale: 1.4826 x the median absolute deviation (a normal noise's sd). */
function robustScale(r: readonly number[]): number {
  const med = median(r);
  return 1.4826 * median(r.map((v) => Math.abs(v - med)));
}

/** Design points the regression needs at least, for p parameters: 4 per coefficient of [1, z, z'z]. */
export function regressionMinimumPoints(p: number): number {
  return 4 * (p + 2);
}

/**
 * Robust least squares of ys on [1, z, z'z] over xs (iteratively reweighted,
 * Tukey's biweight): points far off the surface, such as the walls where an
 * arm's rates run to 0 or 1, lose their weight instead of bending it, chosen
 * by their residual rather than their deviance (a cut on the noisy deviance
 * would select on the noise). Null with fewer than regressionMinimumPoints(p) points.
 */
export async function fitLaplaceRegression(
  xs: readonly number[][], ys: readonly number[], centre: number[], L: number[][],
): Promise<LaplaceRegression | null> {
  const p = centre.length;
  const m = p + 2;
  if (xs.length < regressionMinimumPoints(p)) return null;
  const rows = xs.map((x) => { const z = whiten(L, centre, x); return [1, ...z, z.reduce((a, v) => a + v * v, 0)]; });
  const { lusolve, inv } = await import('mathjs');
  let weights = ys.map(() => 1);
  let beta: number[] = [];
  let r: number[] = [];
  let scale = 0;
  let xtwx: number[][] = [];
  for (let it = 0; it < ROBUST_ITERATIONS; it++) {
    xtwx = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    const xtwy = new Array<number>(m).fill(0);
    rows.forEach((row, k) => {
      const w = weights[k];
      if (w === 0) return;
      for (let i = 0; i < m; i++) {
        xtwy[i] += w * row[i] * ys[k];
        for (let j = 0; j < m; j++) xtwx[i][j] += w * row[i] * row[j];
      }
    });
    beta = (lusolve(xtwx, xtwy) as number[][]).map((v) => v[0]);
    r = rows.map((row, k) => ys[k] - row.reduce((a, v, i) => a + v * beta[i], 0));
    // (floored far below any simulation noise, so that an exact quadratic keeps every point)
    scale = Math.max(robustScale(r), 1e-9 * (1 + Math.abs(beta[0])));
    weights = r.map((v) => { const u = v / (4.685 * scale); return Math.abs(u) < 1 ? (1 - u * u) ** 2 : 0; });
  }
  const cov = inv(xtwx) as number[][];
  const kept = weights.filter((w) => w > 0).length;
  return {
    centre, L, c: beta[0], g: beta.slice(1, 1 + p), a: beta[m - 1], aSe: scale * Math.sqrt(cov[m - 1][m - 1]),
    residualSd: scale, points: kept, outliers: xs.length - kept,
  };
}

/**
 * The normal distribution whose log density is -weight x (the regression) / 2
 * plus independent normal priors: its mean and covariance (the regression is
 * a deviance, -2 log-likelihood; a weight below 1 tempers the likelihood).
 */
export async function regressionPosterior(
  f: LaplaceRegression, prior: { mean: number[]; sd: number[] }, weight = 1,
): Promise<{ mean: number[]; covariance: number[][] }> {
  const p = f.centre.length;
  const a = Math.max(f.a, MIN_CURVATURE_SCALE);
  const d = prior.sd.map((v) => 1 / (v * v));
  // In z (x = centre + L z): precision P = weight a I + L' D L, D = diag(1 / sd^2); linear term h = -weight g / 2 - L' D (centre - mean).
  const P = f.L.map((_, i) => f.L.map((__, j) => {
    let ldl = 0;
    for (let r = Math.max(i, j); r < p; r++) ldl += f.L[r][i] * d[r] * f.L[r][j];
    return (i === j ? weight * a : 0) + ldl;
  }));
  const h = f.g.map((gi, i) => {
    let ld = 0;
    for (let r = i; r < p; r++) ld += f.L[r][i] * d[r] * (f.centre[r] - prior.mean[r]);
    return (-weight * gi) / 2 - ld;
  });
  const { inv } = await import('mathjs');
  const Pinv = inv(P) as number[][];
  const zMean = Pinv.map((row) => row.reduce((acc, v, j) => acc + v * h[j], 0));
  const mean = f.L.map((row, i) => f.centre[i] + row.reduce((acc, v, j) => acc + v * zMean[j], 0));
  const LP = f.L.map((row) => Pinv.map((_, j) => row.reduce((acc, v, r) => acc + v * Pinv[r][j], 0)));
  const covariance = LP.map((row) => f.L.map((other) => row.reduce((acc, v, r) => acc + v * other[r], 0)));
  return { mean, covariance };
}
