// Random variates for parameter uncertainty (PSA draws, the calibration's posterior proposals): gamma, beta,
// chi-square and the scenario's named distributions, each from a seeded stream (rng/streams.ts).
import type { ParametricDistribution } from '../model/scenario.js';
import type { Stream } from '../rng/streams.js';

export type { ParametricDistribution };

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (ACM TOMS 2000;26:363-72): a
 * squeeze-accepted cube of a normal for shape >= 1; for shape < 1,
 * Gamma(shape + 1) U^(1/shape). Exact in distribution (no truncation).
 */
export function gammaVariate(shape: number, rng: Stream): number {
  if (!(shape > 0)) throw new RangeError(`gammaVariate: expected shape > 0, got ${shape}`);
  if (shape < 1) return gammaVariate(shape + 1, rng) * Math.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.uniform(); // in (0, 1]: log finite
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(alpha, beta) as X / (X + Y), X ~ Gamma(alpha), Y ~ Gamma(beta). */
export function betaVariate(alpha: number, beta: number, rng: Stream): number {
  const x = gammaVariate(alpha, rng);
  const y = gammaVariate(beta, rng);
  return x / (x + y);
}

/** Chi-square with `df` degrees of freedom: 2 Gamma(df / 2). */
export function chiSquareVariate(df: number, rng: Stream): number {
  return 2 * gammaVariate(df / 2, rng);
}

/** One draw of `d`; `fixedValue` is what `fixed` without a value keeps (the scenario's own number). */
export function drawFrom(d: ParametricDistribution, fixedValue: number, rng: Stream): number {
  switch (d.dist) {
    case 'fixed': return d.value ?? fixedValue;
    case 'uniform': return d.min + (d.max - d.min) * rng.uniform();
    case 'beta': return betaVariate(d.alpha, d.beta, rng);
    case 'normal': return d.mean + d.sd * rng.normal();
    case 'lognormal': return d.median * Math.exp(d.sdlog * rng.normal());
  }
}
