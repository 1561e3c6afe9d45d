// Standard normal CDF Phi for MODEL.md "A drug acting on a patient" (G = Phi(L)).

/**
 * Standard normal CDF, Hart (1968) algorithm 5666 as given by G. West,
 * "Better approximations to cumulative normal functions" (Wilmott, 2005):
 * absolute error below 1e-14 over the real line, far inside MODEL.md's 1e-7.
 * @example phi(1.959963984540054) // 0.975
 */
export function phi(x: number): number {
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const e = Math.exp(-0.5 * z * z);
    if (z < 7.07106781186547) {
      let num = 3.52624965998911e-2 * z + 0.700383064443688;
      num = num * z + 6.37396220353165;
      num = num * z + 33.912866078383;
      num = num * z + 112.079291497871;
      num = num * z + 221.213596169931;
      num = num * z + 220.206867912376;
      let den = 8.83883476483184e-2 * z + 1.75566716318264;
      den = den * z + 16.064177579207;
      den = den * z + 86.7807322029461;
      den = den * z + 296.564248779674;
      den = den * z + 637.333633378831;
      den = den * z + 793.826512519948;
      den = den * z + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let b = z + 0.65;
      b = z + 4 / b;
      b = z + 3 / b;
      b = z + 2 / b;
      b = z + 1 / b;
      tail = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/**
 * Phi by a cubic Hermite table on [-8, 8] (64 segments a unit, values and slopes from phi() and the
 * density): absolute error below 1e-10 (tests/model/normal.test.ts), inside MODEL.md's 1e-7, at about half
 * the cost of phi(); phi() itself outside the table. The per-patient G = Phi(L) uses it.
 */
export function phiTabled(x: number): number {
  const s = (x - TABLE_FROM) * TABLE_PER_UNIT;
  if (!(s >= 0 && s < TABLE_SEGMENTS)) return phi(x);
  const i = s | 0;
  return hermite(TABLE_VALUE, TABLE_SLOPE, i, s - i);
}

const TABLE_FROM = -8;
const TABLE_PER_UNIT = 64;
const TABLE_SEGMENTS = 16 * TABLE_PER_UNIT;
const TABLE_VALUE = new Float64Array(TABLE_SEGMENTS + 1);
const TABLE_SLOPE = new Float64Array(TABLE_SEGMENTS + 1);
for (let i = 0; i <= TABLE_SEGMENTS; i++) {
  const x = TABLE_FROM + i / TABLE_PER_UNIT;
  TABLE_VALUE[i] = phi(x);
  TABLE_SLOPE[i] = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) / TABLE_PER_UNIT;
}

/**
 * Cubic Hermite interpolation in segment i of a table of values and slopes (slopes times the segment
 * width) at t in [0, 1): the Phi table here and the Phi^-1 table of rng/variates.ts.
 */
export function hermite(value: Float64Array, slope: Float64Array, i: number, t: number): number {
  const t2 = t * t;
  const t3 = t2 * t;
  return value[i] * (2 * t3 - 3 * t2 + 1) + slope[i] * (t3 - 2 * t2 + t)
    + value[i + 1] * (3 * t2 - 2 * t3) + slope[i + 1] * (t3 - t2);
}

/** Two-sided 95% normal quantile, Phi^-1(0.975), to 16 digits. */
export const Z95 = 1.959963984540054;
