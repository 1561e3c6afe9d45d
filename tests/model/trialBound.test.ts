// Trial mode's shortcut (model/trial.ts followTrial): without a design, an assessment where SALTnat (1 - G)
// exceeds every threshold is settled without computing SALT. The counts must be those of computing SALT at
// every assessment (TrialCourse.saltAt, the full formula), patient for patient: checked here with worsening,
// adverse-event stops, escapes and k != 2, on a population with many non-responders (where the shortcut acts)
// and on one of mostly responders.
import { describe, expect, it } from 'vitest';
import { runTrialBlock } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import { TrialCourse, bandOf, trialLayout, type TrialSpec } from '../../src/model/trial.js';
import { naturalSaltOf } from '../../src/model/drug.js';
import { weeksToMonths } from '../../src/model/units.js';
import { streamFor } from '../../src/rng/streams.js';
import { scenario } from '../fixtures/scenarios.js';

/** Trial counts of one block, and the same counts from SALT computed at every assessment (TrialCourse.saltAt). */
function bothCounts(globals: Record<string, number>, drug: Record<string, unknown>) {
  const s = scenario({
    seed: 41, patients: 4096,
    population: { worseningShare: 0.5, worseningMean: 2 },
    globals,
    catalog: [{ id: 'drug-1', ...drug }],
    policies: [{ id: 'p', sequence: ['drug-1'], afterLastLine: 'stay' }],
  });
  const c = compileScenario(s);
  const spec: TrialSpec = {
    drug: 0, months: Float64Array.from([9, 3, 6, 12, 18, 0.5]), thresholds: Float64Array.from([20, 10]),
    bandLo: Float64Array.from([50, 95]), bandHi: Float64Array.from([95, 100]),
  };
  const lay = trialLayout(spec);
  const expected = new Float64Array(lay.length);
  const rng = streamFor(c.seed, 0);
  const p = new Patient(c.drugCount);
  const course = new TrialCourse(spec);
  let settledByG = 0;
  for (let i = 0; i < 4096; i++) {
    drawPatient(rng, c, p);
    const band = bandOf(spec, p.salt0);
    if (band < 0) continue;
    expected[band]++;
    course.reset(c, p);
    course.startLine(p, 0, 0, false);
    for (const t of course.order) {
      const m = spec.months[t];
      course.advance(c, p, m);
      const salt = course.saltAt(c, p, m);
      if (naturalSaltOf(p.salt0, p.omega, m) * (1 - p.potential[0]) > 20) settledByG++;
      if (course.stopAt < m) continue; // non-responder imputation after an adverse-event stop
      for (let j = 0; j < 2; j++) if (salt <= spec.thresholds[j]) expected[lay.responders + (t * 2 + j) * lay.bands + band]++;
    }
  }
  const atTen = (t: number) => expected[lay.responders + (t * 2 + 1) * lay.bands] + expected[lay.responders + (t * 2 + 1) * lay.bands + 1];
  return { counts: runTrialBlock(c, spec, { index: 0, size: 4096 }), expected, settledByG, respondersAt18: atTen(4) };
}

describe('trial mode without a design', () => {
  it('counts equal SALT computed at every assessment: many non-responders (settled by the G bound), k = 1.4', () => {
    const r = bothCounts({ k: 1.4, sTauOff: 0.4, tauOff: 2 }, { mu: -0.2, tau: 4, aeRate: 0.04, escapeRate: 0.03 });
    expect(Array.from(r.counts)).toEqual(Array.from(r.expected));
    expect(r.settledByG).toBeGreaterThan(4096); // the G bound settles many assessments
    expect(r.respondersAt18).toBeGreaterThan(50);
  });

  it('counts equal SALT computed at every assessment: mostly responders, k = 1.31 and k = 2', () => {
    for (const k of [1.31, 2]) {
      const r = bothCounts({ k, sTau: 0.6 }, { mu: 2.3, tau: 3, aeRate: 0.02, escapeRate: 0.01 });
      expect(Array.from(r.counts), `k ${k}`).toEqual(Array.from(r.expected));
      expect(r.respondersAt18).toBeGreaterThan(1500); // most respond
    }
  });
});

describe('TrialCourse.saltAtAssessment', () => {
  it('is saltAt bit for bit at every assessment (weeks off the visit grid, k = 1.31, stops, escapes, the offset)', () => {
    const s = scenario({
      seed: 43, patients: 2000,
      population: { worseningShare: 0.5, worseningMean: 2 },
      globals: { k: 1.31, sTau: 0.6, sTauOff: 0.4, tauOff: 2 },
      catalog: [{ id: 'drug-1', mu: 0.4, tau: 4, aeRate: 0.05, escapeRate: 0.03 }],
      policies: [{ id: 'p', sequence: ['drug-1'], afterLastLine: 'stay' }],
    });
    const c = compileScenario(s);
    const spec = { months: Float64Array.from([12, 24, 36, 52, 0], weeksToMonths) };
    const withTable = new TrialCourse(spec, c);
    const plain = new TrialCourse(spec);
    expect(withTable.monthsK.length).toBe(5);
    expect(plain.monthsK.length).toBe(0);
    const rng = streamFor(c.seed, 0);
    const p = new Patient(c.drugCount);
    let compared = 0;
    let stopped = 0;
    for (let n = 0; n < 2000; n++) {
      drawPatient(rng, c, p);
      for (const course of [withTable, plain]) {
        course.reset(c, p);
        course.startLine(p, 0, 0, false);
      }
      for (const i of withTable.order) {
        const m = spec.months[i];
        withTable.advance(c, p, m);
        plain.advance(c, p, m);
        expect(Object.is(withTable.saltAtAssessment(c, p, i, m), plain.saltAt(c, p, m))).toBe(true);
        compared++;
      }
      if (plain.stopAt < Infinity) stopped++;
    }
    expect(compared).toBe(10_000);
    expect(stopped).toBeGreaterThan(50); // residuals of adverse-event stops are among them
  });
});
