// Law (STYLE.md, MODEL.md "A switching policy"): raising failAtMonths never lowers line-1 response by any
// month. Up to the switch time under the lower threshold both policies follow the same path (same patient,
// same rules), and the higher threshold only keeps the patient longer on line 1. Also: before month
// failAtMonths nothing differs at all. fast-check over seeds, thresholds and the optional rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBlocks, runBlock } from '../../src/engine/runBlock.js';
import { summarizeRun } from '../../src/engine/summarize.js';
import { compileScenario } from '../../src/model/compile.js';
import { scenario } from '../fixtures/scenarios.js';

const SEQUENCE = ['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg'];

describe('failAtMonths', () => {
  it('raising it never lowers line-1 response by any month (property)', () => {
    const settings = fc.record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      failAt: fc.integer({ min: 1, max: 12 }),
      raise: fc.integer({ min: 1, max: 12 }),
      gap: fc.constantFrom(0, 0.5, 2),
      extension: fc.boolean(),
      worsening: fc.boolean(),
      stay: fc.boolean(),
    });
    fc.assert(
      fc.property(settings, ({ seed, failAt, raise, gap, extension, worsening, stay }) => {
        const rules = {
          ...(extension ? { extendIfImprovedPct: 25, extendToMonths: failAt + raise + 3 } : {}),
          ...(worsening ? { worseningFromMonths: 2, worseningPoints: 5 } : {}),
          afterLastLine: stay ? 'stay' : 'stop',
        };
        const s = scenario({
          seed,
          patients: 2000,
          horizon: 24,
          switchGapMonths: gap,
          catalog: [
            { id: SEQUENCE[0], mu: 0.35, tau: 5.0, aeRate: 0.02 },
            { id: SEQUENCE[1], mu: 0.15, tau: 5.5, aeRate: 0.02 },
            { id: SEQUENCE[2], mu: 0.4, tau: 4.5, aeRate: 0.03 },
          ],
          policies: [
            { id: 'one-low', sequence: SEQUENCE.slice(0, 1), failAtMonths: failAt, ...rules },
            { id: 'one-high', sequence: SEQUENCE.slice(0, 1), failAtMonths: failAt + raise, ...rules },
            { id: 'three-low', sequence: SEQUENCE, failAtMonths: failAt, ...rules },
            { id: 'three-high', sequence: SEQUENCE, failAtMonths: failAt + raise, ...rules },
          ],
        });
        const c = compileScenario(s);
        const acc = new Float64Array(c.layout.length);
        for (const block of planBlocks(s.patients)) {
          const out = runBlock(c, block);
          for (let i = 0; i < acc.length; i++) acc[i] += out[i];
        }
        const [oneLow, oneHigh, threeLow, threeHigh] = summarizeRun(s, c, acc, { workers: 1, engineVersion: 'test' }).policies;
        // With a single line, cumulative response is line-1 response by month t.
        oneLow.cumulative.forEach((m, v) => expect(oneHigh.cumulative[v].rate).toBeGreaterThanOrEqual(m.rate));
        expect(threeHigh.byLine[0].responded).toBeGreaterThanOrEqual(threeLow.byLine[0].responded);
        // Up to month failAt the two thresholds cannot differ on any line.
        for (let v = 0; v < failAt; v++) {
          expect(threeHigh.cumulative[v]).toEqual(threeLow.cumulative[v]);
          expect(threeHigh.point[v]).toEqual(threeLow.point[v]);
        }
      }),
      { seed: 20251008, numRuns: 30 },
    );
  });
});
