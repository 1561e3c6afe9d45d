// Policy rules on hand-built patients (MODEL.md "A switching policy"): sigma, W and the draws are bypassed by
// setting G (potential), tau and A directly, so each visit's SALT, response and switch is computed by hand.
// Throughout: threshold 20, k = 2, h(u) = 1 - exp(-(u / tau)^2), tauOff = 2, monthly visits, horizon 24.
import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../../src/engine/summarize.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, setInvTau } from '../../src/model/population.js';
import { followPolicy } from '../../src/policy/followPolicy.js';
import { scenario } from '../fixtures/scenarios.js';

interface Person {
  salt0: number; omega?: number; G: number[]; tau: number[]; ae?: number[];
  /** Version 2: escape months X_d from a line's start, and tauOff_i (read only when the scenario's sTauOff > 0). */
  escape?: number[]; tauOff?: number;
}

interface Outcome {
  firstResponseMonth: number | null;
  pointMonths: number[];
  entered: number[];
  responded: number[];
  linesUsed: number;
  drugMonths: number[];
  aeStops: number;
}

/** Follow one hand-built patient under one policy over drugs d0, d1, d2; report what a run would report. */
function follow(person: Person, policy: Record<string, unknown>, options: Record<string, unknown> = {}): Outcome {
  const s = scenario({
    patients: 1,
    horizon: 24,
    responseThreshold: 20,
    globals: { k: 2, tauOff: 2 },
    catalog: [0, 1, 2].map((d) => ({ id: `d${d}`, mu: 0, tau: 1, aeRate: 0 })),
    policies: [{ id: 'p', sequence: ['d0', 'd1', 'd2'], failAtMonths: 6, afterLastLine: 'stop', ...policy }],
    ...options,
  });
  const c = compileScenario(s);
  const p = new Patient(3);
  p.salt0 = person.salt0;
  p.omega = person.omega ?? 0;
  for (let d = 0; d < 3; d++) {
    p.potential[d] = person.G[d];
    setInvTau(c, p, d, 1 / person.tau[d]);
    p.aeMonths[d] = person.ae?.[d] ?? Infinity;
    p.escapeMonths[d] = person.escape?.[d] ?? Infinity;
  }
  p.invTauOff = 1 / (person.tauOff ?? 2);
  const acc = new Float64Array(c.layout.length);
  const first = followPolicy(c, 0, p, acc);
  const r = summarizeRun(s, c, acc, { workers: 1, engineVersion: 'test' }).policies[0];
  const firstResponseMonth = first < c.visitCount ? (first + 1) * c.visitMonths : null;
  expect(firstResponseMonth).toBe(r.medianMonthsToFirstResponse); // one patient: the median is its month
  return {
    firstResponseMonth,
    pointMonths: r.point.filter((m) => m.rate === 1).map((m) => m.month),
    entered: r.byLine.map((l) => l.entered),
    responded: r.byLine.map((l) => l.responded),
    linesUsed: r.linesUsed.findIndex((l) => l.patients === 1) + 1,
    drugMonths: ['d0', 'd1', 'd2'].map((d) => r.drugMonths[d]),
    aeStops: r.adverseEventStops,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('failure and switching', () => {
  // Line 1: G 0.5 (SALT >= 40, never responds). Line 2: G 0.9, tau 2: SALT <= 20 <=> 0.9 h(u) >= 0.75
  // <=> u >= 2 sqrt(ln 6) = 2.68, so the third visit on line 2. (h(2) = 0.632: SALT 34.5.)
  const person: Person = { salt0: 80, G: [0.5, 0.9, 0], tau: [1, 2, 1] };

  it('fails line 1 at failAtMonths 6, responds on line 2 at month 9', () => {
    const o = follow(person, { failAtMonths: 6 });
    expect(o.firstResponseMonth).toBe(9);
    expect(o.entered).toEqual([1, 1, 0]);
    expect(o.responded).toEqual([0, 1, 0]);
    expect(o.linesUsed).toBe(2);
    expect(o.drugMonths).toEqual([6, 18, 0]);
    expect(o.pointMonths).toEqual(range(9, 24));
  });

  it('with failAtMonths 9 the switch is at 9 and the response at 12', () => {
    const o = follow(person, { failAtMonths: 9 });
    expect(o.firstResponseMonth).toBe(12);
    expect(o.drugMonths).toEqual([9, 15, 0]);
  });

  it('switchGapMonths 1.5: line 2 starts at 7.5 and responds at the first visit with u >= 2.68, month 11', () => {
    const o = follow(person, {}, { switchGapMonths: 1.5 });
    expect(o.firstResponseMonth).toBe(11);
    expect(o.drugMonths).toEqual([6, 16.5, 0]);
  });

  it('switchGapMonths 1.5 with a failing line 2: it fails at the first visit with m >= 6 (month 14, m = 6.5); line 3 starts at 15.5', () => {
    // Line 3: G 0.9, tau 2: responds at u >= 2.68, so month 19 (u = 3.5). Residual of line 2 (0.3) is irrelevant.
    const o = follow({ salt0: 80, G: [0.5, 0.3, 0.9], tau: [1, 1, 2] }, {}, { switchGapMonths: 1.5 });
    expect(o.drugMonths).toEqual([6, 6.5, 8.5]);
    expect(o.entered).toEqual([1, 1, 1]);
    expect(o.firstResponseMonth).toBe(19);
  });

  it('a responder stays on its line, even when natural worsening lifts SALT back above the threshold', () => {
    // salt0 60, omega 3, G 0.75, tau 1: month 1 SALT 63 (1 - 0.75 * 0.632) = 33.1; month 2 66 * 0.2637 = 17.4;
    // later SALT tends to SALTnat / 4: month 6 78 / 4 = 19.5, month 7 81 / 4 = 20.25 > 20.
    const o = follow({ salt0: 60, omega: 3, G: [0.75, 0.9, 0.9], tau: [1, 1, 1] }, {});
    expect(o.firstResponseMonth).toBe(2);
    expect(o.pointMonths).toEqual(range(2, 6));
    expect(o.entered).toEqual([1, 0, 0]);
    expect(o.drugMonths).toEqual([24, 0, 0]);
  });

  it('visits every 0.1 month: failure is declared at the visit where m reaches 6 despite rounding of 60 x 0.1', () => {
    const o = follow({ salt0: 80, G: [0.5, 0, 0], tau: [1, 1, 1] }, {}, { visitEveryMonths: 0.1 });
    expect(o.drugMonths[0]).toBeCloseTo(6, 9);
    expect(o.drugMonths[1]).toBeCloseTo(6, 9);
  });
});

describe('partial-response extension', () => {
  // Line 1: G 0.7, tau 4: never below 80 * 0.3 = 24; at month 6 the improvement is 0.7 h(6) = 0.626.
  // Line 2: G 0.9, tau 2: responds 3 months after it starts (0.9 h(3) = 0.805 beats the residual).
  const person: Person = { salt0: 80, G: [0.7, 0.9, 0], tau: [4, 2, 1] };

  it('without extension line 1 fails at 6, response at 9', () => {
    expect(follow(person, {}).firstResponseMonth).toBe(9);
  });

  it('improvement 62.6% >= 50%: kept on line 1 while m < extendToMonths 12, failed at 12, response at 15', () => {
    const o = follow(person, { extendIfImprovedPct: 50, extendToMonths: 12 });
    expect(o.drugMonths).toEqual([12, 12, 0]);
    expect(o.firstResponseMonth).toBe(15);
  });

  it('improvement 62.6% < 70%: no extension', () => {
    const o = follow(person, { extendIfImprovedPct: 70, extendToMonths: 12 });
    expect(o.drugMonths).toEqual([6, 18, 0]);
    expect(o.firstResponseMonth).toBe(9);
  });

  it('on a later line the improvement is measured from SALT at the line start, residual included', () => {
    // Line 1: G 0.5, tau 0.5: SALT 40 from month 2 (improvement 50% < 55%): fails at 6 with E = 0.5.
    // Line 2 starts at 6 with SALT(6) = 80 (1 - 0.5) = 40; G 0.7, tau 0.5: SALT 24 from month 8, an
    // improvement of 40% from 40 (< 55%: fails at 12) but of 70% from salt0 80 (would extend it to 18).
    // Line 3: G 0.9, tau 2: responds 3 months after its start, month 15.
    const o = follow({ salt0: 80, G: [0.5, 0.7, 0.9], tau: [0.5, 0.5, 2] }, { extendIfImprovedPct: 55, extendToMonths: 12 });
    expect(o.drugMonths).toEqual([6, 6, 12]);
    expect(o.firstResponseMonth).toBe(15);
  });
});

describe('early worsening', () => {
  // No drug effect (G 0); salt0 60, omega 2: SALT(t) = 60 + 2t, a line started at s has worsened by 2 (t - s).
  const person: Person = { salt0: 60, omega: 2, G: [0, 0, 0], tau: [1, 1, 1] };

  it('worseningFromMonths 2, worseningPoints 5: switch at the first visit with 2m >= 5 and m >= 2 (m = 3) on each line', () => {
    const o = follow(person, { worseningFromMonths: 2, worseningPoints: 5 });
    expect(o.drugMonths).toEqual([3, 3, 3]);
    expect(o.entered).toEqual([1, 1, 1]);
  });

  it('worseningFromMonths 4: switch at m = 4', () => {
    expect(follow(person, { worseningFromMonths: 4, worseningPoints: 5 }).drugMonths).toEqual([4, 4, 4]);
  });

  it('worseningPoints 20 is reached only at m = 10, after failure at 6: the failure rule decides', () => {
    expect(follow(person, { worseningFromMonths: 0, worseningPoints: 20 }).drugMonths).toEqual([6, 6, 6]);
  });
});

describe('after the last line', () => {
  // Line 1: G 0.3 fails at 6. Line 2 (last of the sequence d0, d1): G 0.8, tau 5.5: 0.8 h(u) >= 0.75
  // <=> u >= 5.5 sqrt(ln 16) = 9.16, so u = 10 (month 16; SALT 18.4 there, 20.4 at u = 9).
  const person: Person = { salt0: 80, G: [0.3, 0.8, 0], tau: [1, 5.5, 1] };

  it("'stop': the last line fails at m = 6 (month 12) and the patient is off drug: never responds", () => {
    const o = follow(person, { sequence: ['d0', 'd1'] });
    expect(o.firstResponseMonth).toBeNull();
    expect(o.drugMonths).toEqual([6, 6, 0]);
    expect(o.linesUsed).toBe(2);
  });

  it("'stay': no failure on the last line, response at month 16", () => {
    const o = follow(person, { sequence: ['d0', 'd1'], afterLastLine: 'stay' });
    expect(o.firstResponseMonth).toBe(16);
    expect(o.drugMonths).toEqual([6, 18, 0]);
  });

  it("'stay' does not stop an adverse event: A = 8 ends the last line at month 14", () => {
    const o = follow({ ...person, ae: [Infinity, 8, Infinity] }, { sequence: ['d0', 'd1'], afterLastLine: 'stay' });
    expect(o.firstResponseMonth).toBeNull();
    expect(o.drugMonths).toEqual([6, 8, 0]);
    expect(o.aeStops).toBe(1);
  });
});

describe('adverse events', () => {
  it('end a responding line; the next line starts then, and a second response is counted once', () => {
    // Line 1: G 0.9, tau 1: month 1 SALT 34.5, month 2 SALT 9.3 (response); AE at 2.5 ends it with E = 0.898.
    // Line 2 from 2.5: month 3 E = max(0.9 h(0.5), 0.898 e^-0.25) = 0.700, SALT 24.0; month 4 0.9 h(1.5) = 0.805, SALT 15.6.
    const o = follow({ salt0: 80, G: [0.9, 0.9, 0], tau: [1, 1, 1], ae: [2.5, Infinity, Infinity] }, {});
    expect(o.firstResponseMonth).toBe(2);
    expect(o.pointMonths).toEqual([2, ...range(4, 24)]);
    expect(o.responded).toEqual([1, 1, 0]);
    expect(o.aeStops).toBe(1);
    expect(o.drugMonths).toEqual([2.5, 21.5, 0]);
  });

  it('an AE before any visit moves straight to the next line (after the gap)', () => {
    const o = follow({ salt0: 80, G: [0.9, 0.9, 0], tau: [1, 1, 1], ae: [0.2, Infinity, Infinity] }, {}, { switchGapMonths: 0.5 });
    // Line 2 from 0.7: month 2 (u = 1.3) 0.9 h(1.3) = 0.736, SALT 21.1; month 3 (u = 2.3) 0.894, SALT 8.5.
    expect(o.firstResponseMonth).toBe(3);
    expect(o.responded).toEqual([0, 1, 0]);
    expect(o.drugMonths[0]).toBeCloseTo(0.2, 12);
    expect(o.drugMonths[1]).toBeCloseTo(24 - 0.7, 12);
  });
});

describe('the horizon', () => {
  it('a line due to start exactly at the horizon is never entered', () => {
    // Never responds on any line; failures at months 12 and 24 (= horizon): line 3 would start at 24.
    const o = follow({ salt0: 80, G: [0.1, 0.1, 0.1], tau: [1, 1, 1] }, { failAtMonths: 12 });
    expect(o.entered).toEqual([1, 1, 0]);
    expect(o.linesUsed).toBe(2);
    expect(o.drugMonths).toEqual([12, 12, 0]);
  });
});

describe('version 2: loss of response on drug (escape) and switchOnLoss', () => {
  // G 0.9, tau 1 on d0 and d1: month 1 0.9 h(1) = 0.569, SALT 34.5; month 2 0.9 h(2) = 0.8835, SALT 9.3 (response).
  // d0 escapes at X = 5: the effect is frozen at 0.9 h(5) = 0.9 and decays with tauOff 2: month 6 0.9 e^-0.5 =
  // 0.546, SALT 36.3; month 7 0.9 e^-1 = 0.331, SALT 53.5.
  const person: Person = { salt0: 80, G: [0.9, 0.9, 0], tau: [1, 1, 1], escape: [5, Infinity, Infinity] };

  it('without switchOnLoss the patient stays on the drug after losing response (version 1 rule)', () => {
    const o = follow(person, {});
    expect(o.firstResponseMonth).toBe(2);
    expect(o.pointMonths).toEqual([2, 3, 4, 5]);
    expect(o.entered).toEqual([1, 0, 0]);
    expect(o.drugMonths).toEqual([24, 0, 0]);
  });

  it('switchOnLoss: switch at the first visit with SALT > 20 (month 6); line 2 responds at month 8; ever-response counts once', () => {
    // Line 2 from 6: month 7 max(0.9 h(1), 0.546 e^-0.5) = 0.569, SALT 34.5; month 8 0.8835, SALT 9.3.
    const o = follow(person, { switchOnLoss: true });
    expect(o.firstResponseMonth).toBe(2);
    expect(o.pointMonths).toEqual([2, 3, 4, 5, ...range(8, 24)]);
    expect(o.entered).toEqual([1, 1, 0]);
    expect(o.responded).toEqual([1, 1, 0]);
    expect(o.drugMonths).toEqual([6, 18, 0]);
  });

  it('lossMarginPoints 20: SALT 36.3 at month 6 is not above 40; the switch is at month 7 (SALT 53.5)', () => {
    const o = follow(person, { switchOnLoss: true, lossMarginPoints: 20 });
    expect(o.drugMonths).toEqual([7, 17, 0]);
    expect(o.pointMonths).toEqual([2, 3, 4, 5, ...range(9, 24)]);
  });

  it("switchOnLoss ends the last line with 'stop' (then off drug), not with 'stay'", () => {
    expect(follow(person, { sequence: ['d0'], switchOnLoss: true }).drugMonths).toEqual([6, 0, 0]);
    expect(follow(person, { sequence: ['d0'], switchOnLoss: true, afterLastLine: 'stay' }).drugMonths).toEqual([24, 0, 0]);
  });

  it('a non-responder whose effect escapes still fails at failAtMonths', () => {
    // G 0.7 never reaches SALT 20 (80 * 0.3 = 24); escape at 1 changes nothing for the failure rule.
    const o = follow({ salt0: 80, G: [0.7, 0.9, 0], tau: [1, 1, 1], escape: [1, Infinity, Infinity] }, { switchOnLoss: true });
    expect(o.drugMonths).toEqual([6, 18, 0]);
    expect(o.firstResponseMonth).toBe(8);
  });

  it('the escape time is counted from the start of each line on the drug', () => {
    // d0 again as line 3 from 12 (lines 1 and 2 never respond: G 0.5 and 0.1, switches at 6 and 12): it escapes
    // at 12 + 5 = 17: point responses at months 14 to 17 only.
    const o = follow({ salt0: 80, G: [0.9, 0.1, 0], tau: [1, 1, 1], escape: [5, Infinity, Infinity] },
      { sequence: ['d1', 'd1', 'd0'], afterLastLine: 'stay' });
    expect(o.pointMonths).toEqual([14, 15, 16, 17]);
  });
});

describe('version 2: dose changes keep the onset clock', () => {
  // Line 1 d0: G 0.3, tau 4, fails at 6 with E = 0.3 h(6) = 0.268. Line 2 d1: G 0.8, tau 4.
  const person: Person = { salt0: 80, G: [0.3, 0.8, 0], tau: [4, 4, 1] };
  const catalog = (molecule1: string) => [
    { id: 'd0', mu: 0, tau: 1, aeRate: 0 }, { id: 'd1', molecule: molecule1, mu: 0, tau: 1, aeRate: 0 }, { id: 'd2', mu: 0, tau: 1, aeRate: 0 },
  ];
  const policy = { sequence: ['d0', 'd1'], afterLastLine: 'stay' };

  it('a second dose of the same molecule, no gap: its onset runs from month 0 (0.8 h(7) = 0.763, SALT 19.0 at month 7)', () => {
    expect(follow(person, policy, { catalog: catalog('d0') }).firstResponseMonth).toBe(7);
  });

  it('another molecule restarts the onset: 0.8 h(u) >= 0.75 needs u >= 4 sqrt(ln 16) = 6.66, month 13', () => {
    expect(follow(person, policy, { catalog: catalog('d1') }).firstResponseMonth).toBe(13);
  });

  it('the same molecule after a gap is a new start (line 2 from 6.5: month 14)', () => {
    expect(follow(person, policy, { catalog: catalog('d0'), switchGapMonths: 0.5 }).firstResponseMonth).toBe(14);
  });
});

describe('version 2: patient-specific offset', () => {
  // As "adverse events" above: line 1 ends at 2.5 with E = 0.898; at month 3 the residual is 0.898 e^(-0.5 / tauOff_i).
  const person: Person = { salt0: 80, G: [0.9, 0.9, 0], tau: [1, 1, 1], ae: [2.5, Infinity, Infinity] };
  const offset = { globals: { k: 2, tauOff: 2, sTauOff: 0.5 } };

  it('tauOff_i 20: residual 0.876 at month 3, SALT 9.9, a point response there', () => {
    expect(follow({ ...person, tauOff: 20 }, {}, offset).pointMonths).toEqual(range(2, 24));
  });

  it('tauOff_i 2 (the scenario value): residual 0.700, SALT 24.0 at month 3, as in version 1', () => {
    expect(follow({ ...person, tauOff: 2 }, {}, offset).pointMonths).toEqual([2, ...range(4, 24)]);
  });

  it('with sTauOff 0 the patient value is not read', () => {
    expect(follow({ ...person, tauOff: 20 }, {}).pointMonths).toEqual([2, ...range(4, 24)]);
  });
});
