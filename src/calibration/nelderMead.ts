// Derivative-free minimisation: Nelder-Mead with the adaptive coefficients of Gao and Han (2012), for async objectives.
import { mapConcurrent } from './concurrent.js';

export interface NelderMeadOptions {
  /** Initial simplex step per coordinate. */
  step: number[];
  maxEvals: number;
  /** Stop when the objective values across the simplex span less than this. */
  fTol: number;
  /** Stop when every vertex lies within this of the best one, coordinatewise. */
  xTol: number;
}

export interface Minimum { x: number[]; f: number; evals: number; converged: boolean }

/**
 * Minimise an async objective from x0. The npm `fmin` package (0.0.4, 2016)
 * calls its objective synchronously, which an objective running on a worker
 * pool cannot be; hence this ~60-line version. Coefficients for dimension n:
 * reflection 1, expansion 1 + 2/n, contraction 0.75 - 1/(2n), shrink 1 - 1/n
 * (Gao F, Han L. Comput Optim Appl 2012;51:259-77), which keep the simplex
 * from collapsing in 10+ dimensions.
 */
export async function nelderMead(f: (x: number[]) => Promise<number>, x0: number[], o: NelderMeadOptions): Promise<Minimum> {
  const n = x0.length;
  const alpha = 1;
  const gamma = 1 + 2 / n;
  const rho = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;
  let evals = 0;
  const fx = async (x: number[]) => { evals++; return f(x); };
  // The vertices (and a shrink's new ones) do not depend on each other's values: evaluated together.
  const vertices = [x0.slice(), ...x0.map((_, i) => { const x = x0.slice(); x[i] += o.step[i]; return x; })];
  const simplex = (await mapConcurrent(vertices, fx)).map((f, i) => ({ x: vertices[i], f }));
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  let converged = false;
  while (evals < o.maxEvals) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0];
    const worst = simplex[n];
    const fSpread = worst.f - best.f;
    const xSpread = Math.max(...simplex.slice(1).map((v) => Math.max(...v.x.map((xi, i) => Math.abs(xi - best.x[i])))));
    if (fSpread < o.fTol && xSpread < o.xTol) { converged = true; break; }
    const centroid = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) centroid[i] += simplex[j].x[i] / n;
    // x_r = c + alpha (c - x_worst)
    const xr = combine(centroid, worst.x, -alpha);
    const fr = await fx(xr);
    if (fr < best.f) {
      const xe = combine(centroid, worst.x, -gamma);
      const fe = await fx(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
      continue;
    }
    if (fr < simplex[n - 1].f) { simplex[n] = { x: xr, f: fr }; continue; }
    // Contraction: outside when the reflection improved on the worst, else inside.
    const outside = fr < worst.f;
    const xc = combine(centroid, worst.x, outside ? -rho : rho);
    const fc = await fx(xc);
    if (fc < (outside ? fr : worst.f)) { simplex[n] = { x: xc, f: fc }; continue; }
    const shrunk = simplex.slice(1).map((v) => combine(best.x, v.x, sigma));
    (await mapConcurrent(shrunk, fx)).forEach((f, j) => { simplex[j + 1] = { x: shrunk[j], f }; });
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0].x, f: simplex[0].f, evals, converged };
}
