// Laws of a run that hold exactly, whatever the parameters (MODEL.md "Visits and response",
// "A switching policy"): monotone cumulative curves, point <= cumulative, identical policies give a zero
// paired difference, count identities, and the paired difference equals per-patient discordant counts.
import { describe, expect, it } from 'vitest';
import { pairedDifference } from '../../src/stats/intervals.js';
import { planBlocks, runTrialBlock } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import { trialCountsLength, type TrialSpec } from '../../src/model/trial.js';
import { followPolicy } from '../../src/policy/followPolicy.js';
import { streamFor } from '../../src/rng/streams.js';
import { simulateInProcess } from '../fixtures/simulate.js';
import { allRulesDoc, scenario } from '../fixtures/scenarios.js';

const N = 60_000;

const simulate = simulateInProcess;

describe('run invariants, scenario with every rule', () => {
  const s = scenario(allRulesDoc(N));
  const r = simulate(s);

  it('cumulative response is non-decreasing in month, and point <= cumulative at every month', () => {
    for (const p of r.policies) {
      for (let v = 1; v < p.cumulative.length; v++) expect(p.cumulative[v].rate).toBeGreaterThanOrEqual(p.cumulative[v - 1].rate);
      p.point.forEach((pt, v) => expect(pt.rate).toBeLessThanOrEqual(p.cumulative[v].rate));
      expect(p.cumulative.map((m) => m.month)).toEqual(Array.from({ length: 30 }, (_, v) => v + 1));
    }
  });

  it('the rules are exercised: responses, switches on every line, adverse-event stops, partial non-response', () => {
    const p = r.policies[0];
    expect(p.responders).toBeGreaterThan(N / 10);
    expect(p.byLine[2].entered).toBeGreaterThan(N / 20);
    expect(p.adverseEventStops).toBeGreaterThan(N / 50);
    // Point response falls below cumulative somewhere: responders lose response (AE stops, natural worsening).
    expect(p.point.some((pt, v) => pt.rate < p.cumulative[v].rate)).toBe(true);
  });

  it('count identities: everyone enters line 1, line entries do not grow, lines used and first responses sum to n', () => {
    for (const p of r.policies) {
      expect(p.byLine[0].entered).toBe(N);
      for (let j = 1; j < p.byLine.length; j++) expect(p.byLine[j].entered).toBeLessThanOrEqual(p.byLine[j - 1].entered);
      expect(p.linesUsed.reduce((a, l) => a + l.patients, 0)).toBe(N);
      p.linesUsed.forEach((l, j) => expect(l.patients).toBe(p.byLine[j].entered - (p.byLine[j + 1]?.entered ?? 0)));
      expect(p.responders).toBeLessThanOrEqual(p.byLine.reduce((a, l) => a + l.responded, 0));
      expect(p.responders).toBe(Math.round(p.cumulative[p.cumulative.length - 1].rate * N));
      const months = Object.values(p.drugMonths).reduce((a, b) => a + b, 0);
      expect(months).toBeLessThanOrEqual(s.horizon + 1e-9);
      expect(months).toBeGreaterThan(0);
    }
  });

  it('two identical policies under different ids: identical curves and an exact zero paired difference', () => {
    const [a, , again] = r.policies;
    const strip = (p: typeof a) => JSON.stringify({ ...p, id: '' });
    expect(strip(again)).toBe(strip(a));
    const cmp = r.comparisons[1];
    expect([cmp.a, cmp.b]).toEqual(['all-rules', 'all-rules-again']);
    for (const m of cmp.cumulative) {
      expect(m.diff).toBe(0);
      expect(m.lo).toBe(0);
      expect(m.hi).toBe(0);
    }
  });

  it('the paired difference equals per-patient discordant counts, counted here patient by patient', () => {
    const c = compileScenario(s);
    const V = c.layout.visitCount;
    const bOnly = new Float64Array(V);
    const aOnly = new Float64Array(V);
    const scratch = new Float64Array(c.layout.length);
    for (const block of planBlocks(N)) {
      const rng = streamFor(c.seed, block.index);
      const p = new Patient(c.drugCount);
      for (let i = 0; i < block.size; i++) {
        drawPatient(rng, c, p);
        const fa = followPolicy(c, 0, p, scratch);
        const fb = followPolicy(c, 1, p, scratch);
        followPolicy(c, 2, p, scratch); // keep the per-patient call sequence of runBlock (it draws nothing)
        for (let v = 0; v < V; v++) {
          const ra = fa <= v;
          const rb = fb <= v;
          if (rb && !ra) bOnly[v]++;
          if (ra && !rb) aOnly[v]++;
        }
      }
    }
    const cmp = r.comparisons[0];
    expect([cmp.a, cmp.b]).toEqual(['all-rules', 'fail-9mo']);
    cmp.cumulative.forEach((m, v) => {
      expect(m).toEqual({ month: v + 1, ...pairedDifference(bOnly[v], aOnly[v], N) });
      // diff = rate(b) - rate(a), up to rounding of the two quotients.
      expect(Math.abs(m.diff - (r.policies[1].cumulative[v].rate - r.policies[0].cumulative[v].rate))).toBeLessThan(1e-12);
    });
    expect(cmp.cumulative.some((m) => m.diff !== 0)).toBe(true);
  });
});

describe('adverse events end lines', () => {
  it('with aeRate huge every line ends by an adverse event at once: all lines entered, nobody responds', () => {
    const n = 8000;
    const s = scenario({
      seed: 3,
      patients: n,
      horizon: 12,
      catalog: [
        { id: 'a', mu: 3, tau: 1, aeRate: 1e6 },
        { id: 'b', mu: 3, tau: 1, aeRate: 1e6 },
        { id: 'c', mu: 3, tau: 1, aeRate: 1e6 },
      ],
      policies: [{ id: 'p', sequence: ['a', 'b', 'c'], afterLastLine: 'stop' }, { id: 'stay', sequence: ['a', 'b', 'c'], afterLastLine: 'stay' }],
    });
    for (const p of simulate(s).policies) {
      expect(p.byLine.map((l) => l.entered)).toEqual([n, n, n]);
      expect(p.adverseEventStops).toBe(3 * n);
      expect(p.linesUsed.map((l) => l.patients)).toEqual([0, 0, n]);
      expect(p.responders).toBe(0);
      // About 3 / 1e6 months on drug per patient in all (3 exponential stops, mean 1e-6 each).
      expect(Object.values(p.drugMonths).reduce((a, b) => a + b, 0)).toBeLessThan(1e-4);
    }
  });
});

describe('trial mode and run mode see the same patients', () => {
  it('without AEs, trial response at visit months equals point response of a one-drug policy kept to the horizon', () => {
    const n = 20_000;
    const s = scenario({
      seed: 99,
      patients: n,
      horizon: 24,
      catalog: [
        { id: 'a', mu: 0.35, tau: 5, aeRate: 0 },
        { id: 'b', mu: 0.6, tau: 3, aeRate: 0 },
      ],
      policies: [{ id: 'b-only', sequence: ['b'], afterLastLine: 'stay' }],
    });
    const c = compileScenario(s);
    const months = Array.from({ length: 24 }, (_, v) => v + 1);
    const trial: TrialSpec = {
      drug: 1, months: Float64Array.from(months), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]),
    };
    const counts = new Float64Array(trialCountsLength(trial));
    for (const block of planBlocks(n)) {
      const out = runTrialBlock(c, trial, block);
      for (let i = 0; i < counts.length; i++) counts[i] += out[i];
    }
    const point = simulate(s).policies[0].point;
    expect(counts[0]).toBe(n);
    months.forEach((_, i) => expect(counts[1 + i] / n).toBe(point[i].rate));
    expect(point[23].rate).toBeGreaterThan(0.2);
  });
});
