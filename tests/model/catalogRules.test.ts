// The scenario rules shared outside the per-patient code agree with what compileScenario uses.
import { describe, expect, it } from 'vitest';
import { moleculeOf, visitCountOf } from '../../src/model/catalogRules.js';
import { compileScenario } from '../../src/model/compile.js';
import { scenario } from '../fixtures/scenarios.js';

describe('catalog rules', () => {
  it('visitCountOf equals the compiled visit count, decimal steps included', () => {
    for (const [horizon, every] of [[36, 1], [12, 0.1], [10, 3], [1, 1], [7, 0.7], [0.3, 0.1]]) {
      const s = scenario({ horizon, visitEveryMonths: every, policies: [{ id: 'p', sequence: ['baricitinib-4mg'] }] });
      expect(visitCountOf(horizon, every)).toBe(compileScenario(s).visitCount);
    }
  });

  it('a drug id names its molecule up to the first dash', () => {
    expect(moleculeOf('baricitinib-4mg')).toBe('baricitinib');
    expect(moleculeOf('placebo')).toBe('placebo');
  });
});
