// Small dense linear algebra for the calibration's information matrix (a dozen parameters).

/** Cholesky factor L (L L' = A) of a symmetric matrix, or null when it is not positive definite. */
export function cholesky(a: number[][]): number[][] | null {
  return factor(a, false);
}

/**
 * Cholesky factor of a covariance that may be only semi-definite (or a little
 * indefinite from noise): a non-positive pivot gives a zero column instead of failing.
 */
export function choleskySemidefinite(a: number[][]): number[][] {
  return factor(a, true)!;
}

function factor(a: number[][], zeroNonPositive: boolean): number[][] | null {
  const n = a.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(sum > 0)) {
          if (!zeroNonPositive) return null;
          L[i][i] = 0;
        } else {
          L[i][i] = Math.sqrt(sum);
        }
      } else {
        L[i][j] = L[j][j] > 0 ? sum / L[j][j] : 0;
      }
    }
  }
  return L;
}

/**
 * Inverse of a symmetric positive definite matrix through its Cholesky factor.
 * Where the matrix is not positive definite (a flat or noisy direction), a
 * ridge of 1e-6, 1e-5, ... times the mean diagonal is added until it is; the
 * ridge used is returned (0 when none was needed).
 */
export function choleskyInverse(a: number[][]): { inverse: number[][]; ridge: number } {
  const n = a.length;
  const meanDiag = a.reduce((s, row, i) => s + Math.abs(row[i]), 0) / Math.max(1, n) || 1;
  let ridge = 0;
  let L = cholesky(a);
  for (let e = -6; !L && e <= 2; e++) {
    ridge = meanDiag * 10 ** e;
    L = cholesky(a.map((row, i) => row.map((v, j) => (i === j ? v + ridge : v))));
  }
  if (!L) throw new Error('information matrix is not positive definite even with a ridge');
  // Solve L Y = I, then L' X = Y.
  const inv = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let col = 0; col < n; col++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let s = i === col ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
      y[i] = s / L[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= L[k][i] * inv[k][col];
      inv[i][col] = s / L[i][i];
    }
  }
  return { inverse: inv, ridge };
}
