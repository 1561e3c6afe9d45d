// Variates from single 32-bit words by inversion: one word, one variate (model/population.ts's fixed slots).
import { hermite, phi } from '../model/normal.js';

const TWO_POW_M32 = 1 / 4294967296;

/** Uniform on [0, 1) with 32-bit resolution (may return 0), as Stream.uniform() of the same word. */
export function uniformOfWord(word: number): number {
  return (word >>> 0) * TWO_POW_M32;
}

/** Uniform on (0, 1): the word's cell midpoint, never 0 or 1 (so logs and the normal quantile are finite). */
export function openUniformOfWord(word: number): number {
  return ((word >>> 0) + 0.5) * TWO_POW_M32;
}

/** Exponential(1) by inversion, -ln(u) with u in (0, 1): finite and > 0. */
export function exponentialOfWord(word: number): number {
  return -Math.log(openUniformOfWord(word));
}

/**
 * Standard normal by inversion of Phi at an open uniform (|result| below 6.34). In the central region
 * (95% of draws) a cubic Hermite table of Phi^-1 (CENTRAL_SEGMENTS segments, nodes accurate to about
 * 1e-14; interpolation error below 5e-11, tests/rng/variates.test.ts); in the tails P. J. Acklam's rational
 * approximation refined by one Newton step (a log, a sqrt and two exps, for 5% of draws). Either is far below the Monte Carlo
 * error of any run. Faster here than Box-Muller (a log, a sqrt and a sine or cosine a draw) and, unlike a
 * ziggurat, never takes a second word, so every variate keeps its own slot.
 */
export function normalOfWord(word: number): number {
  const u = openUniformOfWord(word);
  if (u < P_LOW) return lowerTail(u);
  if (u > 1 - P_LOW) return -lowerTail(1 - u);
  const s = (u - P_LOW) * CENTRAL_SCALE;
  const i = s | 0;
  const t = s - i;
  return hermite(CENTRAL_VALUE, CENTRAL_SLOPE, i, t);
}

/**
 * exp(-scale Z) for the standard normal Z = normalOfWord(word), the central region from `table`
 * (lognormalTable(scale): no exp there), the tails computed. A per-run shortcut for a log-normal factor.
 */
export function lognormalOfWord(word: number, scale: number, table: LognormalTable): number {
  const u = openUniformOfWord(word);
  if (u < P_LOW || u > 1 - P_LOW) return Math.exp(-scale * normalOfWord(word));
  const s = (u - P_LOW) * CENTRAL_SCALE;
  const i = s | 0;
  return hermite(table.value, table.slope, i, s - i);
}

/** Values and slopes (per segment width) of a Hermite table over the central region. */
export interface LognormalTable { value: Float64Array; slope: Float64Array }

/**
 * The Hermite table of u -> exp(-scale Phi^-1(u)) over the central region, at the nodes of the Phi^-1 table
 * : for lognormalOfWord.
 */
export function lognormalTable(scale: number): LognormalTable {
  const n = CENTRAL_SEGMENTS + 2;
  const value = new Float64Array(n);
  const slope = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    value[i] = Math.exp(-scale * CENTRAL_VALUE[i]);
    slope[i] = -scale * value[i] * CENTRAL_SLOPE[i];
  }
  return { value, slope };
}

/** Acklam's approximation of Phi^-1(u), 0 < u < 1 (relative error below 1.15e-9). */
export function acklamInverse(u: number): number {
  if (u < P_LOW) return acklamTail(u);
  if (u > 1 - P_LOW) return -acklamTail(1 - u);
  const q = u - 0.5;
  const r = q * q;
  return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q)
    / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const CENTRAL_SEGMENTS = 4096;
const P_LOW = 0.02425;
const CENTRAL_WIDTH = (1 - 2 * P_LOW) / CENTRAL_SEGMENTS;
const CENTRAL_SCALE = 1 / CENTRAL_WIDTH;
/** Phi^-1 at the nodes (Acklam, then one Newton step on the accurate Phi) and its slope 1 / phi'(z) per segment. */
const CENTRAL_VALUE = new Float64Array(CENTRAL_SEGMENTS + 2);
const CENTRAL_SLOPE = new Float64Array(CENTRAL_SEGMENTS + 2);

/** Phi^-1(u) for u < P_LOW: Acklam's tail formula, then one Newton step on Phi (its relative error there, 1e-8 at u = 2^-33, falls to about 1e-15). */
function lowerTail(u: number): number {
  const z = acklamTail(u);
  return z - (phi(z) - u) * SQRT_2PI * Math.exp(0.5 * z * z);
}

function acklamTail(u: number): number {
  const q = Math.sqrt(-2 * Math.log(u));
  return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}

const A1 = -3.969683028665376e+01, A2 = 2.209460984245205e+02, A3 = -2.759285104469687e+02;
const A4 = 1.383577518672690e+02, A5 = -3.066479806614716e+01, A6 = 2.506628277459239e+00;
const B1 = -5.447609879822406e+01, B2 = 1.615858368580409e+02, B3 = -1.556989798598866e+02;
const B4 = 6.680131188771972e+01, B5 = -1.328068155288572e+01;
const C1 = -7.784894002430293e-03, C2 = -3.223964580411365e-01, C3 = -2.400758277161838e+00;
const C4 = -2.549732539343734e+00, C5 = 4.374664141464968e+00, C6 = 2.938163982698783e+00;
const D1 = 7.784695709041462e-03, D2 = 3.224671290700398e-01, D3 = 2.445134137142996e+00;
const D4 = 3.754408661907416e+00;

// The table, built once at load (after the constants above).
for (let i = 0; i <= CENTRAL_SEGMENTS + 1; i++) {
  const u = Math.min(P_LOW + i * CENTRAL_WIDTH, 1 - P_LOW);
  let z = acklamInverse(u);
  const density = () => Math.exp(-0.5 * z * z) / SQRT_2PI;
  z -= (phi(z) - u) / density();
  CENTRAL_VALUE[i] = z;
  CENTRAL_SLOPE[i] = CENTRAL_WIDTH / density();
}
