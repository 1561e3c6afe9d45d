// EVPI and EVPPI estimators against closed forms and numerical integration (seeded draws, 4-SE tolerances).
import { describe, expect, it } from 'vitest';
import { phi } from '../../src/model/normal.js';
import { namedStream } from '../../src/rng/streams.js';
import { evpi, evppi } from '../../src/stats/voi.js';

const density = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
/** E[max(0, X)] for X ~ N(m, s^2). */
const positivePart = (m: number, s: number) => (s === 0 ? Math.max(0, m) : m * phi(m / s) + s * density(m / s));
/** E[f(Z)] for Z ~ N(0, 1) by the trapezoid rule on [-10, 10] (error far below the tolerances). */
const expectation = (f: (z: number) => number) => {
  const h = 1e-3;
  let s = 0;
  for (let z = -10; z <= 10; z += h) s += f(z) * density(z) * h;
  return s;
};

/** Draws of two independent standard normals phi, psi and the net benefits of two options. */
function draws(n: number, key: string, inb: (a: number, b: number) => number, noise = 0) {
  const rng = namedStream(key);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const nb0 = new Float64Array(n);
  const nb1 = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    x[d] = rng.normal();
    y[d] = rng.normal();
    nb0[d] = 0.5 + noise * rng.normal(); // a common level that cancels in the increment
    nb1[d] = nb0[d] + inb(x[d], y[d]);
  }
  return { x, y, nb: [nb0, nb1] };
}

describe('EVPI', () => {
  it('is exactly 0 when one option is best in every draw', () => {
    const { nb } = draws(1000, 'voi/dominance', (a, b) => 0.1 + 0.01 * Math.abs(a) + 0.001 * b * b);
    expect(evpi(nb)).toBe(0);
    expect(evpi([nb[1], nb[0]])).toBe(0);
    expect(evppi(nb, [nb[0]]).value).toBe(0);
  });

  it('matches E[max(0, INB)] - max(0, E INB) for a normal incremental net benefit', () => {
    const n = 20_000;
    const [a, b, c] = [0.01, 0.02, 0.03];
    const { nb } = draws(n, 'voi/evpi', (u, v) => a + b * u + c * v);
    const s = Math.hypot(b, c);
    const truth = positivePart(a, s) - a;
    // Per-draw term max(0, INB) has sd below s; the mean of INB has sd s / sqrt(n).
    const se = Math.sqrt(2) * s / Math.sqrt(n);
    expect(Math.abs(evpi(nb) - truth)).toBeLessThan(4 * se);
  });
});

describe('EVPPI', () => {
  const [a, b, c] = [0.005, 0.02, 0.03];
  const n = 1000;

  it('of a linear effect matches the closed form, one parameter and both', () => {
    const { x, y, nb } = draws(n, 'voi/linear', (u, v) => a + b * u + c * v, 0.05);
    const truthX = positivePart(a, b) - a;
    const truthY = positivePart(a, c) - a;
    // Tolerance: 4 sampling SEs of a mean of n terms of sd at most b (resp. c), plus the regression's bias
    // (at most 15% of the value here: noise biases up, smoothing down).
    const tol = (truth: number, sd: number) => 4 * Math.sqrt(2) * sd / Math.sqrt(n) + 0.15 * truth;
    expect(Math.abs(evppi(nb, [x]).value - truthX)).toBeLessThan(tol(truthX, b));
    expect(Math.abs(evppi(nb, [y]).value - truthY)).toBeLessThan(tol(truthY, c));
    // Both parameters together: all the uncertainty, EVPI.
    const both = evppi(nb, [x, y]).value;
    const truthBoth = positivePart(a, Math.hypot(b, c)) - a;
    expect(Math.abs(both - truthBoth)).toBeLessThan(tol(truthBoth, Math.hypot(b, c)));
    // A parameter that does not enter the net benefit is worth (about) nothing.
    const unrelated = Float64Array.from(draws(n, 'voi/unrelated', () => 0).x);
    expect(evppi(nb, [unrelated]).value).toBeLessThan(0.1 * truthX);
  });

  it('of a non-linear effect matches numerical integration', () => {
    const f = (u: number) => a + 0.03 * Math.tanh(2 * u) - 0.01 * u * u;
    const { x, y, nb } = draws(n, 'voi/nonlinear', (u, v) => f(u) + c * v);
    const truth = expectation((z) => Math.max(0, f(z))) - Math.max(0, expectation(f));
    const tol = 4 * Math.sqrt(2) * 0.03 / Math.sqrt(n) + 0.15 * truth;
    expect(Math.abs(evppi(nb, [x]).value - truth)).toBeLessThan(tol);
    expect(evppi(nb, [y]).value).toBeGreaterThan(0);
  });

  it('of a parameter whose draws repeat (posterior draws picked with replacement) is not inflated by the parameters repeated with it', () => {
    // 1000 posterior draws (x, z); 2000 PSA draws each pick one with replacement and add their own rho. The value of
    // knowing x alone must not pick up z, which every repeat of a posterior draw shares.
    const rng = namedStream('voi/repeats');
    const K = 1000;
    const post = Array.from({ length: K }, () => [rng.normal(), rng.normal()]);
    const [b0, bx, bz, br] = [0, 0.01, 0.03, 0.01];
    const x = new Float64Array(n);
    const z = new Float64Array(n);
    const nb0 = new Float64Array(n);
    const nb1 = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      [x[d], z[d]] = post[Math.floor(rng.uniform() * K)];
      nb1[d] = b0 + bx * x[d] + bz * z[d] + br * rng.normal();
    }
    // The truth on these very draws: E[INB | x] = b0 + bx x (z and rho are independent of x, with mean 0).
    let sumMax = 0;
    let sum = 0;
    for (let d = 0; d < n; d++) { sumMax += Math.max(0, b0 + bx * x[d]); sum += b0 + bx * x[d]; }
    const truth = sumMax / n - Math.max(0, sum / n);
    const alone = evppi([nb0, nb1], [x]).value;
    expect(Math.abs(alone - truth)).toBeLessThan(4 * Math.sqrt(2) * bx / Math.sqrt(K) + 0.15 * truth);
    // Knowing x and z together is worth much more, and the estimate of that is far above the one of x.
    expect(evppi([nb0, nb1], [x, z]).value).toBeGreaterThan(2 * alone);
  });
});
