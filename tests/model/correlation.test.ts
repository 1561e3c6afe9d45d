// Correlation of latent responsiveness (MODEL.md "A patient"): R from the rhos, a factor C with C C^T = R
// (also for singular R), and clear rejection of matrices that cannot be correlation matrices.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correlationFactor, correlationMatrix, correlationProblem } from '../../src/model/correlation.js';
import { ScenarioError } from '../../src/io/errors.js';
import { validateScenario } from '../../src/io/scenario.js';

/** max |(C C^T)[i][j] - R[i][j]| for a row-major factor C. */
function reconstructionError(r: number[][], c: Float64Array): number {
  const n = r.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += c[i * n + k] * c[j * n + k];
      worst = Math.max(worst, Math.abs(s - r[i][j]));
    }
  }
  return worst;
}

/** R = D^-1/2 A A^T D^-1/2: positive semi-definite by construction, of rank <= columns of A. */
function correlationOf(a: number[][]): number[][] {
  const g = a.map((ri) => a.map((rj) => ri.reduce((s, v, k) => s + v * rj[k], 0)));
  return g.map((row, i) => row.map((v, j) => (i === j ? 1 : v / Math.sqrt(g[i][i] * g[j][j]))));
}

describe('correlationMatrix', () => {
  it('puts 1 on the diagonal, rhoMolecule within a molecule and rhoClass across molecules', () => {
    expect(correlationMatrix(['bari', 'bari', 'ritle'], 0.9, 0.5)).toEqual([
      [1, 0.9, 0.5],
      [0.9, 1, 0.5],
      [0.5, 0.5, 1],
    ]);
  });
});

describe('correlationFactor', () => {
  const cases: [string, number[][]][] = [
    ['identity', correlationMatrix(['a', 'b', 'c'], 0.9, 0)],
    ['positive definite (two doses, one other molecule)', correlationMatrix(['a', 'a', 'b'], 0.9, 0.5)],
    ['singular: rhoClass = 1', correlationMatrix(['a', 'b', 'c'], 0.9, 1)],
    ['singular: all ones with doses', correlationMatrix(['a', 'a', 'b', 'c'], 1, 1)],
    ['singular: perfectly anti-correlated pair', [[1, -1], [-1, 1]]],
    ['singular, needs pivoting: rank 2 with the dependent pair first', [[1, 1, 0.3], [1, 1, 0.3], [0.3, 0.3, 1]]],
    ['singular, dependent pair last', [[1, 0.3, 0.3], [0.3, 1, 1], [0.3, 1, 1]]],
    ['near-singular: rho = 1 - 1e-10', [[1, 1 - 1e-10], [1 - 1e-10, 1]]],
    ['near-singular: rho = 1 - 1e-14 (below the pivot tolerance)', [[1, 1 - 1e-14], [1 - 1e-14, 1]]],
    ['negative rhoClass, still PSD', correlationMatrix(['a', 'b', 'c'], 0.9, -0.5)],
  ];
  it.each(cases)('C C^T = R: %s', (_, r) => {
    const c = correlationFactor(r);
    expect(c).toHaveLength(r.length * r.length);
    expect(reconstructionError(r, c)).toBeLessThan(1e-10);
  });

  it('C C^T = R for random PSD matrices of any rank (property)', () => {
    const entry = fc.integer({ min: -5, max: 5 }).map((v) => v / 5);
    const matrixA = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.integer({ min: 1, max: n }).chain((rank) =>
        fc.array(fc.array(entry, { minLength: rank, maxLength: rank }), { minLength: n, maxLength: n })));
    fc.assert(
      fc.property(matrixA, (a) => {
        fc.pre(a.every((row) => row.some((v) => v !== 0)));
        const r = correlationOf(a);
        expect(correlationProblem(r)).toBeNull();
        expect(reconstructionError(r, correlationFactor(r))).toBeLessThan(1e-10);
      }),
      { seed: 20251008, numRuns: 300 },
    );
  });

  it('throws for a matrix that is not positive semi-definite', () => {
    expect(() => correlationFactor([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])).toThrow(/positive semi-definite/);
    // Three molecules with rhoClass -0.6: eigenvalue 1 - 2 * 0.6 < 0.
    expect(() => correlationFactor(correlationMatrix(['a', 'b', 'c'], 0.9, -0.6))).toThrow(/positive semi-definite/);
  });
});

describe('correlationProblem', () => {
  it('accepts a valid matrix', () => {
    expect(correlationProblem([[1, 0.5], [0.5, 1]])).toBeNull();
  });
  it('rejects a non-symmetric matrix', () => {
    expect(correlationProblem([[1, 0.5], [0.4, 1]])).toMatch(/symmetric/);
  });
  it('rejects a diagonal other than 1', () => {
    expect(correlationProblem([[1, 0.5], [0.5, 2]])).toMatch(/unit diagonal/);
  });
  it('rejects a symmetric unit-diagonal matrix that is not PSD', () => {
    expect(correlationProblem([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])).toMatch(/positive semi-definite/);
  });
  it('rejects a non-square matrix and entries outside [-1, 1]', () => {
    expect(correlationProblem([[1, 0.5], [0.5]])).toMatch(/square/);
    expect(correlationProblem([[1, 1.5], [1.5, 1]])).toMatch(/\[-1, 1\]/);
  });
  it('is what validateScenario reports for an explicit matrix and for rhos that give no PSD matrix', () => {
    const catalog = [
      { id: 'a', mu: 0, tau: 1, aeRate: 0 },
      { id: 'b', mu: 0, tau: 1, aeRate: 0 },
      { id: 'c', mu: 0, tau: 1, aeRate: 0 },
    ];
    const policies = [{ id: 'p', sequence: ['a'] }];
    const bad = { catalog, policies, correlation: { matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]] } };
    expect(() => validateScenario(bad, 'fixture')).toThrow(ScenarioError);
    expect(() => validateScenario(bad, 'fixture')).toThrow(/correlation\.matrix.*positive semi-definite/);
    expect(() => validateScenario({ catalog, policies, correlation: { rhoClass: -0.6 } }, 'fixture')).toThrow(ScenarioError);
    expect(() => validateScenario({ catalog, policies, correlation: { rhoClass: 1 } }, 'fixture')).not.toThrow();
  });
});
