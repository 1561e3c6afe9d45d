// Scenarios with closed-form response probabilities for power tests.
import { buildPlan, type PowerInputs as PowerArgs, type PowerPlan } from '../../src/app/powerPlan.js';
import { normalQuantile } from '../../src/stats/special.js';
import { phi } from '../../src/model/normal.js';
import type { Scenario } from '../../src/model/scenario.js';
import { PLAIN_GLOBALS, PLAIN_POPULATION, scenario } from '../fixtures/scenarios.js';

/**
 * With SALT0 = 80, no covariates, sTau = 0, tau = 0.25 months and no adverse
 * events, h is 1 to double precision from month 2 (1 - exp(-64)), so a
 * patient responds on drug d by month 12 exactly when G_d >= 0.75, that is
 * Z_d >= Phi^-1(0.75) - mu_d: probability Phi(mu_d - Phi^-1(0.75)).
 * mu for a target response probability p: Phi^-1(0.75) + Phi^-1(p).
 */
export const muFor = (p: number): number => normalQuantile(0.75) + normalQuantile(p);
export const responseOf = (mu: number): number => phi(mu - normalQuantile(0.75));

/** Drugs with response probabilities `probs` (different molecules, rhoClass 0: independent Z). */
export function knownDoc(probs: Record<string, number>, policies: unknown[]): Record<string, unknown> {
  return {
    seed: 4242,
    patients: 1000,
    horizon: 24,
    population: PLAIN_POPULATION,
    globals: PLAIN_GLOBALS,
    catalog: Object.entries(probs).map(([id, p]) => ({ id, molecule: id, mu: muFor(p), tau: 0.25, aeRate: 0 })),
    correlation: { rhoMolecule: 0.9, rhoClass: 0 },
    policies,
  };
}

export function knownScenario(probs: Record<string, number>, policies: unknown[]): Scenario {
  return scenario(knownDoc(probs, policies));
}

const ARGS: PowerArgs = {
  scenario: 'fixture', design: 'parallel', endpoint: 'cumulative@12', n: '100', alpha: 0.05, sides: 2, trials: 500,
  ratio: '1:1', target: 0.8,
};

/** A validated plan from CLI-style flags (defaults as the CLI's). */
export function plan(s: Scenario, flags: Partial<PowerArgs>): PowerPlan {
  return buildPlan({ ...ARGS, ...flags }, s);
}
