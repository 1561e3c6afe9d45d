// Trial mode's shortcut (model/trial.ts followTrial): without a design, an assessment where SALTnat (1 - G)
// exceeds every threshold is settled without computing SALT. The counts must be those of computing SALT at
// every assessment (TrialCourse.saltAt, the full formula), patient for patient: checked here with worsening,
// adverse-event stops, escapes and k != 2, on a population with many non-responders (where the shortcut acts).
import { describe, expect, it } from 'vitest';
import { runTrialBlock } from '../../src/engine/runBlock.js';
import { compileScenario } from '../../src/model/compile.js';
import { Patient, drawPatient } from '../../src/model/population.js';
import { TrialCourse, bandOf, trialLayout, type TrialSpec } from '../../src/model/trial.js';
import { naturalSaltOf } from '../../src/model/drug.js';
import { streamFor } from '../../src/rng/streams.js';
import { scenario } from '../fixtures/scenarios.js';

describe('trial mode without a design', () => {
  it('counts equal SALT computed at every assessment (non-responders settled by the G bound)', () => {
    const s = scenario({
      seed: 41, patients: 4096,
      population: { worseningShare: 0.5, worseningMean: 2 },
      globals: { k: 1.4, sTauOff: 0.4, tauOff: 2 },
      catalog: [{ id: 'drug-1', mu: -0.2, tau: 4, aeRate: 0.04, escapeRate: 0.03 }],
      policies: [{ id: 'p', sequence: ['drug-1'], afterLastLine: 'stay' }],
    });
    const c = compileScenario(s);
    const spec: TrialSpec = {
      drug: 0, months: Float64Array.from([9, 3, 6, 12, 18]), thresholds: Float64Array.from([20, 10]),
      bandLo: Float64Array.from([50, 95]), bandHi: Float64Array.from([95, 100]),
    };
    const lay = trialLayout(spec);
    const expected = new Float64Array(lay.length);
    const rng = streamFor(c.seed, 0);
    const p = new Patient(c.drugCount);
    const course = new TrialCourse(spec);
    let settledByBound = 0;
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
        if (naturalSaltOf(p.salt0, p.omega, m) * (1 - p.potential[0]) > 20) settledByBound++;
        if (course.stopAt < m) continue; // non-responder imputation after an adverse-event stop
        for (let j = 0; j < 2; j++) if (salt <= spec.thresholds[j]) expected[lay.responders + (t * 2 + j) * lay.bands + band]++;
      }
    }
    expect(Array.from(runTrialBlock(c, spec, { index: 0, size: 4096 }))).toEqual(Array.from(expected));
    // Not degenerate: the bound settles many assessments, and some patients respond.
    expect(settledByBound).toBeGreaterThan(4096);
    expect(expected[lay.responders + (3 * 2 + 1) * lay.bands]).toBeGreaterThan(50);
  });
});
