// A drug acting on a patient (MODEL.md): h(u) = 1 - exp(-(u / tau)^k), effect = G h, SALTnat = min(100, salt0 + omega t).
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/model/compile.js';
import { drugEffect, naturalSalt, onsetFraction } from '../../src/model/drug.js';
import { Patient } from '../../src/model/population.js';
import { weeksToMonths } from '../../src/model/units.js';
import { scenario } from '../fixtures/scenarios.js';

function compiled(k: number) {
  return compileScenario(scenario({
    globals: { k },
    catalog: [{ id: 'a', mu: 0, tau: 4, aeRate: 0 }],
    policies: [{ id: 'p', sequence: ['a'] }],
  }));
}

describe('onset and effect', () => {
  const p = new Patient(1);
  p.invTau[0] = 1 / 4;
  p.potential[0] = 0.6;

  it.each([2, 1.5, 0.7, 3])('k = %s: h(u) = 1 - exp(-(u / tau)^k), 0 for u <= 0', (k) => {
    const c = compiled(k);
    for (const u of [0.25, 1, 4, 7.3, 30]) {
      expect(onsetFraction(c, p, 0, u)).toBeCloseTo(-Math.expm1(-((u / 4) ** k)), 15);
      expect(drugEffect(c, p, 0, u)).toBeCloseTo(0.6 * -Math.expm1(-((u / 4) ** k)), 15);
    }
    expect(onsetFraction(c, p, 0, 0)).toBe(0);
    expect(onsetFraction(c, p, 0, -1)).toBe(0);
  });

  it('natural course: salt0 + omega t, capped at 100', () => {
    const q = new Patient(1);
    q.salt0 = 90;
    q.omega = 2;
    expect(naturalSalt(q, 3)).toBe(96);
    expect(naturalSalt(q, 5)).toBe(100);
    expect(naturalSalt(q, 12)).toBe(100);
  });
});

describe('units', () => {
  it('week w is 7w / (365.25 / 12) months', () => {
    expect(weeksToMonths(52)).toBeCloseTo(364 / 30.4375, 14);
    expect(weeksToMonths(24)).toBeCloseTo(168 / 30.4375, 14);
  });
});
