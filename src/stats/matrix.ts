// Small dense linear algebra for the calibration (a dozen parameters, once per fit): the Cholesky factor of a
// covariance for parameter draws (hand-written: mathjs has none), and the inverse of the information (mathjs).

/**
 * Cholesky factor L (L L' = A) of a covariance that may be only semi-definite
 * (or a little indefinite from noise): a non-positive pivot gives a zero
 * column instead of failing. Used for parameter draws x + L e.
 */
export function choleskySemidefinite(a: number[][]): number[][] {
  const n = a.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      if (i === j) L[i][i] = sum > 0 ? Math.sqrt(sum) : 0;
      else L[i][j] = L[j][j] > 0 ? sum / L[j][j] : 0;
    }
  }
  return L;
}

/** Is the symmetric matrix positive definite? By its eigenvalues (mathjs eigs; the matrix is small and this runs once). */
async function isPositiveDefinite(a: number[][]): Promise<boolean> {
  const { eigs } = await import('mathjs');
  const values = eigs(a, { eigenvectors: false }).values as unknown as number[];
  return values.every((v) => v > 0);
}

/**
 * Inverse of a symmetric positive definite matrix (mathjs inv; loaded on first
 * use, it costs about a second to import). Where the matrix is not positive
 * definite (a flat or noisy direction), a ridge of 1e-6, 1e-5, ... times the
 * mean diagonal is added until it is; the ridge used is returned (0 when none
 * was needed).
 */
export async function inverseWithRidge(a: number[][]): Promise<{ inverse: number[][]; ridge: number }> {
  const n = a.length;
  const meanDiag = a.reduce((s, row, i) => s + Math.abs(row[i]), 0) / Math.max(1, n) || 1;
  const withRidge = (r: number) => a.map((row, i) => row.map((v, j) => (i === j ? v + r : v)));
  let ridge = 0;
  let ok = await isPositiveDefinite(a);
  for (let e = -6; !ok && e <= 2; e++) {
    ridge = meanDiag * 10 ** e;
    ok = await isPositiveDefinite(withRidge(ridge));
  }
  if (!ok) throw new Error('information matrix is not positive definite even with a ridge');
  const { inv } = await import('mathjs');
  return { inverse: inv(withRidge(ridge)), ridge };
}
