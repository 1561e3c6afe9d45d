// One model: trial mode and followPolicy share the drug-effect code (model/drug.ts), so a one-drug policy that
// never switches (afterLastLine stay, no adverse events) gives, patient for patient, the trial's response at
// the visit months: the point counts of a run equal the trial-mode counts, with escape and the offset on.
import { describe, expect, it } from 'vitest';
import { planBlocks, runBlock, runTrialBlock } from '../../src/engine/runBlock.js';
import { TrialCounts } from '../../src/engine/trialMode.js';
import { compileScenario } from '../../src/model/compile.js';
import { trialCountsLength, type TrialSpec } from '../../src/model/trial.js';
import { scenario } from '../fixtures/scenarios.js';

describe('trial mode and the policy path agree', () => {
  it('point response at every visit month equals trial-mode response there (escape, sTauOff, worsening on)', () => {
    const s = scenario({
      seed: 31, patients: 12_000, horizon: 24,
      globals: { sTauOff: 0.7, tauOff: 1.5 },
      catalog: [
        { id: 'other-1', mu: 0.2, tau: 3, aeRate: 0, escapeRate: 0.02 },
        { id: 'drug-1', mu: 0.9, tau: 4, aeRate: 0, escapeRate: 0.06 },
      ],
      policies: [{ id: 'p', sequence: ['drug-1'], afterLastLine: 'stay' }],
    });
    const c = compileScenario(s);
    const months = Array.from({ length: 24 }, (_, i) => i + 1);
    const spec: TrialSpec = {
      drug: 1, months: Float64Array.from(months), thresholds: Float64Array.from([20]),
      bandLo: Float64Array.from([0]), bandHi: Float64Array.from([100]),
    };
    const acc = new Float64Array(c.layout.length);
    const counts = new Float64Array(trialCountsLength(spec));
    for (const b of planBlocks(s.patients)) {
      runBlock(c, b).forEach((x, i) => { acc[i] += x; });
      runTrialBlock(c, spec, b).forEach((x, i) => { counts[i] += x; });
    }
    const trial = new TrialCounts(spec, counts);
    const point = Array.from(acc.subarray(c.layout.point, c.layout.point + c.visitCount));
    expect(point).toEqual(months.map((_, i) => trial.response(i, 0).x));
    // Not degenerate: response rises, then escape brings it down.
    expect(Math.max(...point)).toBeGreaterThan(point[23] + 200);
  });
});
