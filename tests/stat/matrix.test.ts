// stats/matrix.ts: the draw factor and the ridge-regularised inverse, checked by multiplying back.
import { describe, expect, it } from 'vitest';
import { choleskySemidefinite, inverseWithRidge } from '../../src/stats/matrix.js';

const product = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: number[][]) => a[0].map((_, j) => a.map((row) => row[j]));
const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));

describe('matrix', () => {
  it('the inverse of a positive definite matrix times the matrix is the identity; no ridge', async () => {
    const a = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
    const { inverse, ridge } = await inverseWithRidge(a);
    expect(ridge).toBe(0);
    expect(maxDiff(product(a, inverse), [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeLessThan(1e-14);
  });

  it('a singular matrix gets the smallest ridge that makes it positive definite', async () => {
    const { ridge } = await inverseWithRidge([[1, 1], [1, 1]]);
    expect(ridge).toBeCloseTo(1e-6, 20); // mean diagonal 1 times 1e-6
  });

  it('the semi-definite factor reproduces a rank-deficient covariance (zero columns, no failure)', () => {
    const a = [[1, 2, 0], [2, 4, 0], [0, 0, 9]];
    const L = choleskySemidefinite(a);
    expect(maxDiff(product(L, transpose(L)), a)).toBeLessThan(1e-14);
    expect(L[1][1]).toBe(0);
  });
});
