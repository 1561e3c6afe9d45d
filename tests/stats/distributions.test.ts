// The variates behind PSA draws and posterior proposals: sample means and variances against the closed forms
// (seeded, 4-SE tolerances; the SE of a sample variance from the fourth central moment).
import { describe, expect, it } from 'vitest';
import { namedStream } from '../../src/rng/streams.js';
import { betaVariate, chiSquareVariate, drawFrom, gammaVariate } from '../../src/stats/distributions.js';

const N = 200_000;

/** Mean and variance of n draws, with the standard errors of both (the latter from the sample fourth moment). */
function moments(draw: () => number) {
  const xs = Float64Array.from({ length: N }, draw);
  const mean = xs.reduce((a, x) => a + x, 0) / N;
  let m2 = 0;
  let m4 = 0;
  for (const x of xs) { const d = (x - mean) ** 2; m2 += d; m4 += d * d; }
  m2 /= N;
  m4 /= N;
  return { mean, variance: m2, seMean: Math.sqrt(m2 / N), seVariance: Math.sqrt((m4 - m2 * m2) / N) };
}

function expectMoments(draw: () => number, mean: number, variance: number) {
  const m = moments(draw);
  expect(Math.abs(m.mean - mean)).toBeLessThan(4 * m.seMean);
  expect(Math.abs(m.variance - variance)).toBeLessThan(4 * m.seVariance);
}

describe('random variates', () => {
  it('gamma (shape above and below 1) and chi-square', () => {
    const rng = namedStream('dist/gamma');
    expectMoments(() => gammaVariate(3, rng), 3, 3);
    expectMoments(() => gammaVariate(0.4, rng), 0.4, 0.4);
    expectMoments(() => chiSquareVariate(5, rng), 5, 10);
  });

  it('beta, uniform, normal and lognormal as the uncertainty section names them', () => {
    const rng = namedStream('dist/named');
    expectMoments(() => betaVariate(2, 5, rng), 2 / 7, (2 * 5) / (49 * 8));
    expectMoments(() => drawFrom({ dist: 'beta', alpha: 0.5, beta: 0.5 }, 0, rng), 0.5, 0.125);
    expectMoments(() => drawFrom({ dist: 'uniform', min: -1, max: 3 }, 0, rng), 1, 16 / 12);
    expectMoments(() => drawFrom({ dist: 'normal', mean: 2, sd: 0.5 }, 0, rng), 2, 0.25);
    const [median, sdlog] = [4, 0.3];
    expectMoments(() => drawFrom({ dist: 'lognormal', median, sdlog }, 0, rng),
      median * Math.exp(sdlog ** 2 / 2), median ** 2 * Math.exp(sdlog ** 2) * (Math.exp(sdlog ** 2) - 1));
    expect(drawFrom({ dist: 'fixed' }, 7, rng)).toBe(7);
    expect(drawFrom({ dist: 'fixed', value: 2 }, 7, rng)).toBe(2);
  });
});
