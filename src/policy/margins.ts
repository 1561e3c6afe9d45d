// Rounding margins of the shortcuts that skip SALT(t) where it cannot change a decision, and the residual's
// decay from a per-run table (MODEL.md "Visits and response"): shared by followPolicy's two loops.
import type { CompiledScenario } from '../model/compile.js';

/**
 * Decisions taken from the bounds on h of model/drug.ts instead of the exp
 * keep this distance from the value they are compared with: EFFECT_MARGIN
 * when an effect is compared with the residual, SALT_MARGIN (SALT points)
 * when SALT is compared with the threshold. The bounds and a computed effect
 * are within 3e-15 of the exact values for the same (u / tau)^k (Math.exp is
 * within 1 ulp), and a computed SALT within 1e-12.
 */
export const EFFECT_MARGIN = 1e-12;
export const SALT_MARGIN = 1e-9;

/**
 * A responder whose SALT is this far below the threshold stays below it for the
 * rest of the line when SALTnat is constant (see followPolicy). SALT points.
 * A computed SALT is within 2e-12 of the exact value for the same inputs when
 * k = 2: x = u / tau and x^k carry a relative error of about k + 1 units in
 * the last place (u = 2^-53), which exp(-x^k) turns into at most 38 (k + 1) u
 * (h is exactly 1 past x^k = 38; Math.exp is within 1 ulp); 1 - E, G h and
 * 1 - G h add a few u, and SALTnat <= 100 scales it. The margin covers that
 * 500 times for k = 2, and for any k below 200.
 */
export const CERTAIN_RESPONSE_MARGIN = 1e-9;

/**
 * exp(-elapsed / tauOff) from the run's table when `elapsed` is exactly j
 * visit intervals (then the table holds the exp of the same argument), else
 * computed. Not for a patient-specific tauOff (the table is then empty; the
 * callers compute the exp themselves, see followPolicy).
 */
export function residualDecay(c: CompiledScenario, elapsed: number): number {
  const j = Math.round(elapsed * c.invVisitMonths);
  return j < c.residualDecay.length && j * c.visitMonths === elapsed
    ? c.residualDecay[j] : Math.exp(-elapsed * c.invTauOff);
}
