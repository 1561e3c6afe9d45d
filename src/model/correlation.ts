// Correlation of latent responsiveness across drugs (MODEL.md "A patient"): R and a factor C with C C^T = R.

/** R over the catalog: 1 on the diagonal, rhoMolecule within a molecule, rhoClass across molecules. */
export function correlationMatrix(molecules: string[], rhoMolecule: number, rhoClass: number): number[][] {
  return molecules.map((mi, i) =>
    molecules.map((mj, j) => (i === j ? 1 : mi === mj ? rhoMolecule : rhoClass)),
  );
}

/** Why a matrix cannot serve as a correlation matrix, or null when it can. */
export function correlationProblem(r: number[][]): string | null {
  const n = r.length;
  for (let i = 0; i < n; i++) {
    if (r[i].length !== n) return `a square matrix (${n} x ${n}), got a row of length ${r[i].length}`;
  }
  for (let i = 0; i < n; i++) {
    if (Math.abs(r[i][i] - 1) > 1e-12) return `a unit diagonal, got ${r[i][i]} at [${i}][${i}]`;
    for (let j = 0; j < i; j++) {
      if (Math.abs(r[i][j] - r[j][i]) > 1e-12) return `a symmetric matrix, got ${r[i][j]} at [${i}][${j}] and ${r[j][i]} at [${j}][${i}]`;
      if (Math.abs(r[i][j]) > 1) return `entries in [-1, 1], got ${r[i][j]} at [${i}][${j}]`;
    }
  }
  if (factorOrNull(r) === null) return 'a positive semi-definite matrix';
  return null;
}

/** Pivots below this are treated as zero: the remaining block is singular (rhoClass = 1, say). */
const PIVOT_TOL = 1e-12;

/**
 * A factor C (row-major n x n) with C C^T = R, by Cholesky with diagonal
 * pivoting, which also handles singular positive semi-definite R.
 * @throws Error when R is not positive semi-definite.
 */
export function correlationFactor(r: number[][]): Float64Array {
  const c = factorOrNull(r);
  if (c === null) throw new Error('correlation matrix is not positive semi-definite');
  return c;
}

function factorOrNull(r: number[][]): Float64Array | null {
  const n = r.length;
  const a = r.map((row) => row.slice());
  const perm = Array.from({ length: n }, (_, i) => i);
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (a[i][i] > a[piv][piv]) piv = i;
    if (a[piv][piv] < -1e-9) return null;
    if (piv !== k) {
      [a[k], a[piv]] = [a[piv], a[k]];
      for (const row of a) [row[k], row[piv]] = [row[piv], row[k]];
      [l[k], l[piv]] = [l[piv], l[k]];
      [perm[k], perm[piv]] = [perm[piv], perm[k]];
    }
    if (a[k][k] <= PIVOT_TOL) {
      // Remaining Schur complement must vanish for a PSD matrix.
      for (let i = k; i < n; i++) for (let j = k; j < n; j++) if (Math.abs(a[i][j]) > 1e-9) return null;
      break;
    }
    const d = Math.sqrt(a[k][k]);
    l[k][k] = d;
    for (let i = k + 1; i < n; i++) l[i][k] = a[i][k] / d;
    for (let i = k + 1; i < n; i++) for (let j = k + 1; j < n; j++) a[i][j] -= l[i][k] * l[j][k];
  }
  // Undo the permutation: row perm[i] of C is row i of L.
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[perm[i] * n + j] = l[i][j];
  return c;
}
