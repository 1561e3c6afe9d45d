// Variates from single 32-bit words by inversion: one word, one variate (model/population.ts's fixed slots).

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
 * Standard normal by inversion of Phi at an open uniform (|result| below 6.3): P. J. Acklam's rational
 * approximation (relative error below 1.15e-9, far below the Monte Carlo error of any run), which needs
 * no transcendental function in its central region (95% of draws) and one log and one sqrt in the tails.
 * Faster here than Box-Muller (a log, a sqrt and a sine or cosine a draw) and, unlike a ziggurat, never
 * takes a second word, so every variate keeps its own slot.
 */
export function normalOfWord(word: number): number {
  const u = openUniformOfWord(word);
  if (u < P_LOW) return lowerTail(u);
  if (u > 1 - P_LOW) return -lowerTail(1 - u);
  const q = u - 0.5;
  const r = q * q;
  return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q)
    / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
}

function lowerTail(u: number): number {
  const q = Math.sqrt(-2 * Math.log(u));
  return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}

const P_LOW = 0.02425;
const A1 = -3.969683028665376e+01, A2 = 2.209460984245205e+02, A3 = -2.759285104469687e+02;
const A4 = 1.383577518672690e+02, A5 = -3.066479806614716e+01, A6 = 2.506628277459239e+00;
const B1 = -5.447609879822406e+01, B2 = 1.615858368580409e+02, B3 = -1.556989798598866e+02;
const B4 = 6.680131188771972e+01, B5 = -1.328068155288572e+01;
const C1 = -7.784894002430293e-03, C2 = -3.223964580411365e-01, C3 = -2.400758277161838e+00;
const C4 = -2.549732539343734e+00, C5 = 4.374664141464968e+00, C6 = 2.938163982698783e+00;
const D1 = 7.784695709041462e-03, D2 = 3.224671290700398e-01, D3 = 2.445134137142996e+00;
const D4 = 3.754408661907416e+00;
