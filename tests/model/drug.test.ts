// A drug acting on a patient (MODEL.md): h(u) = 1 - exp(-(u / tau)^k), effect = G h, SALTnat = min(100, salt0 + omega t).
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/model/compile.js';
import { drugEffect, naturalSalt, onsetFraction, onsetPowerAt } from '../../src/model/drug.js';
import { Patient, setInvTau } from '../../src/model/population.js';
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
  p.potential[0] = 0.6;

  it.each([2, 1.5, 0.7, 3])('k = %s: h(u) = 1 - exp(-(u / tau)^k), 0 for u <= 0', (k) => {
    const c = compiled(k);
    setInvTau(c, p, 0, 1 / 4);
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

describe('onsetPowerAt: (months / tau)^k from the run tables (engine 0.1.2)', () => {
  const rate = 1 / 4.7;
  for (const k of [1.31, 0.7, 3]) {
    it(`k = ${k}: within 1e-13 of (months / tau)^k on and off the visit grid, 0 before the start, never falling`, () => {
      const c = compiled(k);
      const p = new Patient(1);
      setInvTau(c, p, 0, rate);
      expect(c.monthsPowerK.length).toBe(c.visitCount + 2);
      const at = (m: number) => onsetPowerAt(c, m, p.invTau[0], p.invTauK[0], false);
      let before = 0;
      let onGrid = 0;
      // Every 0.001 month to 40 months: the visits (whole months here, the table) and the points between.
      for (let i = 1; i <= 40_000; i++) {
        const m = i / 1000;
        if (Number.isInteger(m / c.visitMonths)) onGrid++;
        const got = at(m);
        expect(Math.abs(got / (m * rate) ** k - 1)).toBeLessThan(1e-13);
        expect(got).toBeGreaterThanOrEqual(before);
        before = got;
      }
      expect(onGrid).toBeGreaterThan(30);
      expect(at(0)).toBe(0);
      expect(at(-2)).toBe(0);
      // Past the table (a horizon's last interval and beyond): the same formula.
      const far = (c.visitCount + 5) * c.visitMonths;
      expect(Math.abs(at(far) / (far * rate) ** k - 1)).toBeLessThan(1e-13);
    });
  }

  it('k = 2: (months / tau)^2 as one multiply, no table', () => {
    const c = compiled(2);
    expect(c.monthsPowerK.length).toBe(0);
    for (const m of [0.5, 1, 3, 7.25]) expect(onsetPowerAt(c, m, rate, 0, true)).toBe((m * rate) * (m * rate));
  });
});
