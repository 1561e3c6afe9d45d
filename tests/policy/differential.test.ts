// followPolicy (optimised, compiled form) against followPlainly (tests/fixtures/referencePolicy.ts, a plain
// reading of MODEL.md from the validated scenario), patient by patient, over random scenarios and policies
// with every rule: first response, point responses, lines entered, responders by line, months on each drug,
// adverse-event stops and months without response must agree. Version 2 is drawn in too: escape rates,
// a patient-specific offset, two doses of one molecule (dose changes), switchOnLoss with a margin.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import { followPolicy } from '../../src/policy/followPolicy.js';
import { streamFor } from '../../src/rng/streams.js';
import { followPlainly, type PlainOutcome } from '../fixtures/referencePolicy.js';
import { scenario } from '../fixtures/scenarios.js';

const DRUGS = ['d0', 'd1', 'd2'];

const policyArb = (i: number) => fc.record({
  sequence: fc.array(fc.constantFrom(...DRUGS), { minLength: 1, maxLength: 4 }),
  failAtMonths: fc.constantFrom(1, 3, 6, 9, 12),
  extension: fc.option(fc.record({ pct: fc.constantFrom(10, 30, 50), extra: fc.constantFrom(0, 3, 6) }), { nil: undefined }),
  worsening: fc.option(fc.record({ from: fc.constantFrom(0, 2, 4), points: fc.constantFrom(2, 5, 10) }), { nil: undefined }),
  stay: fc.boolean(),
  loss: fc.option(fc.constantFrom(0, 5), { nil: undefined }),
}).map((p) => ({
  id: `p${i}`,
  sequence: p.sequence,
  failAtMonths: p.failAtMonths,
  ...(p.extension ? { extendIfImprovedPct: p.extension.pct, extendToMonths: p.failAtMonths + p.extension.extra } : {}),
  ...(p.worsening ? { worseningFromMonths: p.worsening.from, worseningPoints: p.worsening.points } : {}),
  afterLastLine: p.stay ? 'stay' : 'stop',
  ...(p.loss !== undefined ? { switchOnLoss: true, lossMarginPoints: p.loss } : {}),
}));

const scenarioArb = fc.record({
  seed: fc.integer({ min: 0, max: 1e9 }),
  horizon: fc.constantFrom(12, 24, 30),
  visitEveryMonths: fc.constantFrom(1, 0.5, 3),
  responseThreshold: fc.constantFrom(20, 10),
  switchGapMonths: fc.constantFrom(0, 0.5, 1.5),
  k: fc.constantFrom(2, 1.3),
  tauOff: fc.constantFrom(0.5, 2, 6),
  worseningShare: fc.constantFrom(0, 0.3, 1),
  aeRate: fc.constantFrom(0, 0.02, 0.2),
  escapeRate: fc.constantFrom(0, 0, 0.03, 0.2),
  sTauOff: fc.constantFrom(0, 0, 0.8),
  // d1 a second dose of d0's molecule: back-to-back lines of the two are dose changes when there is no gap.
  sameMolecule: fc.boolean(),
  policies: fc.tuple(policyArb(0), policyArb(1), policyArb(2)),
});

type Generated = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Every patient of one generated scenario, under each of its policies: followPolicy against followPlainly. */
function agreesWithPlainReading(g: Generated): void {
  const s = scenario({
    seed: g.seed,
    patients: 400,
    horizon: g.horizon,
    visitEveryMonths: g.visitEveryMonths,
    responseThreshold: g.responseThreshold,
    switchGapMonths: g.switchGapMonths,
    population: { worseningShare: g.worseningShare },
    globals: { k: g.k, tauOff: g.tauOff, sTauOff: g.sTauOff },
    catalog: [
      { id: 'd0', mu: 0.35, tau: 5, aeRate: g.aeRate, escapeRate: g.escapeRate },
      { id: 'd1', molecule: g.sameMolecule ? 'd0' : 'd1', mu: 0.6, tau: 3, aeRate: g.aeRate / 2, escapeRate: 0 },
      { id: 'd2', mu: 0.1, tau: 8, aeRate: g.aeRate * 2, escapeRate: g.escapeRate * 3 },
    ],
    policies: g.policies,
  });
  const c = compileScenario(s);
  const lay = c.layout;
  const rng = streamFor(c.seed, 0);
  const p = new Patient(c.drugCount);
  for (let i = 0; i < s.patients; i++) {
    drawPatient(rng, c, p);
    const plain = {
      salt0: p.salt0, omega: p.omega, G: Array.from(p.potential),
      tau: Array.from(p.invTau, (x) => 1 / x), A: Array.from(p.aeMonths),
      tauOff: 1 / p.invTauOff, X: Array.from(p.escapeMonths),
    };
    s.policies.forEach((policy, pi) => {
      const acc = new Float64Array(lay.length);
      const first = followPolicy(c, pi, p, acc);
      const b = pi * lay.policyStride;
      const lines = policy.sequence.length;
      const got: PlainOutcome = {
        firstVisit: first,
        point: Array.from(acc.subarray(b + lay.point, b + lay.point + lay.visitCount), (x) => x === 1),
        entered: Array.from(acc.subarray(b + lay.entered, b + lay.entered + lines)),
        respondedOn: Array.from(acc.subarray(b + lay.respondedOn, b + lay.respondedOn + lines)),
        linesEntered: acc.subarray(b + lay.linesUsed, b + lay.linesUsed + lay.maxLines + 1).indexOf(1),
        drugMonths: Array.from(acc.subarray(b + lay.drugMonths, b + lay.drugMonths + c.drugCount)),
        aeStops: acc[b + lay.aeStops],
        nonResponseMonths: acc[b + lay.nonResponseMonths],
      };
      const want = followPlainly(s, policy, plain);
      expect(acc[b + lay.firstResponse + first]).toBe(1);
      expect({ patient: i, policy: policy.id, ...got, drugMonths: [], nonResponseMonths: 0 })
        .toEqual({ patient: i, policy: policy.id, ...want, drugMonths: [], nonResponseMonths: 0 });
      // Months are sums of event times: equal up to rounding (a mismatch shows both lists).
      const [gm, wm] = [[...got.drugMonths, got.nonResponseMonths], [...want.drugMonths, want.nonResponseMonths]];
      expect({ patient: i, months: gm }).toEqual({ patient: i, months: wm.map((x, j) => (Math.abs(x - gm[j]) < 1e-9 ? gm[j] : x)) });
    });
  }
}

describe('followPolicy against a plain reading of MODEL.md', () => {
  it('agrees patient by patient on every output (property)', () => {
    fc.assert(fc.property(scenarioArb, agreesWithPlainReading), { seed: 20251008, numRuns: 60 });
  });

  it('agrees on policies with the failure rule only and no escapes (the line-by-line path, followLines)', () => {
    // No extension, early-worsening or switchOnLoss rule and no escape rate: followPolicy takes its line-by-line
    // path with its jumps over visits; the plain reading still steps through every visit.
    const plainPolicies = fc.tuple(policyArb(0), policyArb(1), policyArb(2)).map((ps) => ps.map((q) => ({
      id: q.id, sequence: q.sequence, failAtMonths: q.failAtMonths, afterLastLine: q.afterLastLine,
    }))) as unknown as fc.Arbitrary<Generated['policies']>;
    const arb = fc.tuple(scenarioArb, plainPolicies).map(([g, policies]) => ({ ...g, escapeRate: 0 as const, policies }));
    fc.assert(fc.property(arb, agreesWithPlainReading), { seed: 20251009, numRuns: 60 });
  });
});
