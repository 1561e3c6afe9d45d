// Evaluations in flight at once (calibration/concurrent.ts): values in item order whatever the order calls finish,
// a bounded number in flight, failures that stop further calls; and the searches built on it (Nelder-Mead's
// simplex and shrink, the Hessian's stencil) give the same result when their evaluations finish in any order.
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../src/calibration/concurrent.js';
import { hessian } from '../../src/calibration/fit.js';
import { nelderMead } from '../../src/calibration/nelderMead.js';
import { Stream } from '../../src/rng/streams.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An async objective that resolves after a seeded random delay (0-2 ms): calls finish out of order. */
function scrambled(f: (x: number[]) => number, seed: number): (x: number[]) => Promise<number> {
  const rng = new Stream(seed, 2, 3, 4);
  return async (x) => { await sleep(Math.floor(rng.uniform() * 3)); return f(x); };
}

describe('mapConcurrent', () => {
  it('returns the values in item order when later items finish first, with at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const out = await mapConcurrent([5, 4, 3, 2, 1, 0], async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return i * 10;
    }, 3, (n) => done.push(n));
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(3);
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('starts no call after a rejection and throws it once the calls in flight settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const failing = mapConcurrent([0, 1, 2, 3, 4, 5, 6, 7], async (i) => {
      started.push(i);
      await sleep(i === 1 ? 1 : 5);
      settled++;
      if (i === 1) throw new Error('boom');
      return i;
    }, 2);
    await expect(failing).rejects.toThrow('boom');
    // Items 0 and 1 start; 1 fails first; 0 was in flight and settles; nothing after them starts.
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });
});

describe('searches on concurrent evaluations', () => {
  const rosenbrock = (x: number[]) => x.slice(1).reduce((a, v, i) => a + 100 * (v - x[i] ** 2) ** 2 + (1 - x[i]) ** 2, 0);
  const options = { step: [0.5, 0.5, 0.5], maxEvals: 400, fTol: 1e-10, xTol: 1e-6 };

  it('Nelder-Mead: the same minimum, value and evaluation count whatever order its evaluations finish in', async () => {
    const immediate = await nelderMead(async (x) => rosenbrock(x), [-1, 1.5, 0.5], options);
    for (const seed of [1, 2, 3]) {
      expect(await nelderMead(scrambled(rosenbrock, seed), [-1, 1.5, 0.5], options)).toEqual(immediate);
    }
    // And it is a search: far below the start's value (24.5 + 162.5 = 187 at [-1, 1.5, 0.5]).
    expect(immediate.f).toBeLessThan(1e-3 * rosenbrock([-1, 1.5, 0.5]));
  });

  it('the Hessian of a quadratic is its matrix (central differences are exact on it), from evaluations finishing in any order', async () => {
    const A = [[4, 1, -2], [1, 3, 0.5], [-2, 0.5, 5]];
    const b = [1, -2, 0.25];
    const q = (x: number[]) => 0.5 * x.reduce((s, xi, i) => s + xi * x.reduce((t, xj, j) => t + A[i][j] * xj, 0), 0) + x.reduce((s, xi, i) => s + b[i] * xi, 0);
    const H = await hessian(scrambled(q, 7), [0.3, -0.2, 1.1], [0.1, 0.2, 0.05]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i][j]).toBeCloseTo(A[i][j], 9);
  });
});
