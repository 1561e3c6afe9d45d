// Local linear regression (LOESS-type, tricube weights over the nearest neighbours) of several responses on a
// few predictors, with the span chosen by generalised cross-validation: the smoother of the EVPPI estimator.

/** Spans (shares of the points in each local fit) tried by generalised cross-validation. */
export const SPANS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

export interface LocalFit {
  /** fitted[r][i]: the smoothed value of response r at point i. */
  fitted: Float64Array[];
  /** The span chosen for each response. */
  spans: number[];
  /** Predictors used (constant ones are dropped). */
  predictors: number;
}

/**
 * Fit each response y[r] (length n) on the predictors x[j] (length n each) by
 * local linear regression. Points with identical predictors are first
 * collapsed into one, weighted by their count, with the mean response: draws
 * that repeat a posterior draw (picked with replacement) repeat every
 * calibrated parameter, so their responses share the effect of the
 * parameters not regressed on, and counting them as independent points lets
 * cross-validation choose spans so small that the fit picks that effect up
 * (measured: an EVPPI of one calibrated parameter tripled). Then, at each
 * point u, weighted least squares of y on (1, x - x_u) over the k = ceil(span U)
 * nearest of the U distinct points (Euclidean distance on predictors scaled
 * to unit sd), weights count x tricube (1 - (d/h)^3)^3 with h just beyond the
 * k-th distance; the fit at u is the intercept. The span of each response
 * minimises the weighted GCV = (sum c r^2 / sum c) / (1 - tr L / U)^2, tr L the
 * sum of the smoother's diagonal. A tiny ridge (1e-9 of the mean diagonal) on
 * the slopes keeps the local systems solvable when predictors are collinear.
 * Cost: U^2 (p + span count x p^2); memory O(U) beyond the fits.
 */
export function localLinearFit(x: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[], spans = SPANS): LocalFit {
  const n = y[0]?.length ?? 0;
  const cols = standardised(x, n);
  const p = cols.length;
  if (p === 0 || n < 3) {
    // Nothing varies: the best prediction of each response is its mean.
    return { fitted: y.map((r) => Float64Array.from({ length: n }, () => meanOf(r))), spans: y.map(() => 1), predictors: p };
  }
  const { of, X, count, Y } = collapse(cols, y, n);
  const U = count.length;
  const R = y.length;
  const m = p + 1;
  const minK = Math.min(U, Math.max(m + 2, 8));
  const ks = [...new Set(spans.map((span) => Math.min(U, Math.max(minK, Math.ceil(span * U)))))];
  const fitted = ks.map(() => y.map(() => new Float64Array(U)));
  const trace = new Float64Array(ks.length);
  const M = new Float64Array(m * m);
  const b = new Float64Array(m * R); // X' W y of each response
  const a = new Float64Array(m);
  const dist = new Float64Array(U);
  const sorted = new Float64Array(U);
  // One target at a time (memory O(U)): distances to it, then the local fit for every span.
  for (let i = 0; i < U; i++) {
    for (let j = 0; j < U; j++) {
      let s2 = 0;
      for (let c = 0; c < p; c++) {
        const e = X[j * p + c] - X[i * p + c];
        s2 += e * e;
      }
      dist[j] = Math.sqrt(s2);
    }
    sorted.set(dist);
    for (let s = 0; s < ks.length; s++) {
      // The k-th nearest distance sets the bandwidth; ks ascend, so each selection starts where the last ended.
      const dk = selectKth(sorted, s === 0 ? 0 : ks[s - 1] - 1, ks[s] - 1);
      const h = dk > 0 ? dk * (1 + 1e-6) : 1;
      M.fill(0);
      b.fill(0);
      for (let j = 0; j < U; j++) {
        if (!(dist[j] < h)) continue;
        const w = count[j] * tricube(dist[j] / h);
        // Design row (1, x_j - x_i): M += w row row', b_r += w row y_r(j).
        for (let r = 0; r < m; r++) {
          const xr = r === 0 ? 1 : X[j * p + r - 1] - X[i * p + r - 1];
          const wx = w * xr;
          for (let c = 0; c <= r; c++) M[r * m + c] += wx * (c === 0 ? 1 : X[j * p + c - 1] - X[i * p + c - 1]);
          for (let q = 0; q < R; q++) b[q * m + r] += wx * Y[q][j];
        }
      }
      const ridge = 1e-9 * (diagonalMean(M, m) || 1);
      for (let r = 1; r < m; r++) M[r * m + r] += ridge;
      // a = M^-1 e0: the fit at i is a' X' W y (the intercept), and the smoother's diagonal L_ii = count_i a[0]
      // (x_i's own row is e0 with weight count_i).
      solveFirstColumn(M, m, a);
      trace[s] += count[i] * a[0];
      for (let q = 0; q < R; q++) {
        let t = 0;
        for (let r = 0; r < m; r++) t += a[r] * b[q * m + r];
        fitted[s][q][i] = t;
      }
    }
  }
  const best = y.map((_, r) => ({ gcv: Infinity, span: ks[0] / U, fitted: fitted[0][r] }));
  ks.forEach((k, s) => {
    const denom = (1 - trace[s] / U) ** 2;
    Y.forEach((yr, r) => {
      let rss = 0;
      for (let i = 0; i < U; i++) rss += count[i] * (yr[i] - fitted[s][r][i]) ** 2;
      const gcv = denom > 0 ? rss / n / denom : Infinity;
      if (gcv < best[r].gcv) best[r] = { gcv, span: k / U, fitted: fitted[s][r] };
    });
  });
  return { fitted: best.map((f) => Float64Array.from(of, (u) => f.fitted[u])), spans: best.map((f) => f.span), predictors: p };
}

/** Distinct predictor rows (row-major X), each point's row, the rows' counts and each response's mean per row. */
function collapse(cols: Float64Array[], y: readonly ArrayLike<number>[], n: number): { of: Uint32Array; X: Float64Array; count: Float64Array; Y: Float64Array[] } {
  const p = cols.length;
  const id = new Map<string, number>();
  const of = new Uint32Array(n);
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = cols.map((c) => c[i]).join(',');
    let u = id.get(key);
    if (u === undefined) { u = first.length; id.set(key, u); first.push(i); }
    of[i] = u;
  }
  const U = first.length;
  const X = new Float64Array(U * p);
  first.forEach((i, u) => { for (let c = 0; c < p; c++) X[u * p + c] = cols[c][i]; });
  const count = new Float64Array(U);
  for (let i = 0; i < n; i++) count[of[i]]++;
  const Y = y.map((r) => {
    const sum = new Float64Array(U);
    for (let i = 0; i < n; i++) sum[of[i]] += r[i];
    for (let u = 0; u < U; u++) sum[u] /= count[u];
    return sum;
  });
  return { of, X, count, Y };
}

function tricube(u: number): number {
  if (u >= 1) return 0;
  const t = 1 - u * u * u;
  return t * t * t;
}

function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : 0;
}

/** Predictors scaled to unit sd; constant ones dropped. */
function standardised(x: readonly ArrayLike<number>[], n: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (const col of x) {
    const mean = meanOf(col);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (col[i] - mean) ** 2;
    const sd = Math.sqrt(ss / Math.max(1, n - 1));
    if (!(sd > 0)) continue;
    out.push(Float64Array.from({ length: n }, (_, i) => (col[i] - mean) / sd));
  }
  return out;
}

/**
 * Rearrange a[from..] so that a[k] holds the value it would have if a[from..]
 * were sorted, with nothing smaller after it (Hoare's selection, median of three); returns a[k].
 * Expects a[0..from) to hold values no larger than any of a[from..].
 */
function selectKth(a: Float64Array, from: number, k: number): number {
  let lo = from;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const pivot = Math.max(Math.min(a[lo], a[mid]), Math.min(Math.max(a[lo], a[mid]), a[hi]));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

function diagonalMean(M: Float64Array, m: number): number {
  let s = 0;
  for (let r = 1; r < m; r++) s += M[r * m + r];
  return m > 1 ? s / (m - 1) : 0;
}

/** Solve M a = e0 for symmetric M (lower triangle filled) by Cholesky; a = 0 where M is singular. */
function solveFirstColumn(M: Float64Array, m: number, a: Float64Array): void {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i * m + j];
      for (let k = 0; k < j; k++) s -= L[i * m + k] * L[j * m + k];
      if (i === j) {
        if (!(s > 0)) { a.fill(0); return; }
        L[i * m + i] = Math.sqrt(s);
      } else {
        L[i * m + j] = s / L[j * m + j];
      }
    }
  }
  // Forward: L z = e0; back: L' a = z.
  const z = a;
  for (let i = 0; i < m; i++) {
    let s = i === 0 ? 1 : 0;
    for (let k = 0; k < i; k++) s -= L[i * m + k] * z[k];
    z[i] = s / L[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < m; k++) s -= L[k * m + i] * a[k];
    a[i] = s / L[i * m + i];
  }
}
