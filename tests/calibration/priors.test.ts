// The version-2 priors of the single-time-point drugs: log tau centred on the class tau, mu on the class mu
// (the mean mu of the drugs with a time course), a penalty of -2 log prior in the deviance.
import { describe, expect, it } from 'vitest';
import { calibrationPoints } from '../../src/calibration/data.js';
import { classMu, freeParameters, fromNatural, MU_PRIOR_SD, penalty, TAU_PRIOR_SDLOG } from '../../src/calibration/parameters.js';
import { DEFAULTS } from '../../src/io/scenario.js';
import { loadTrialData } from '../../src/io/trials.js';

const params = freeParameters(calibrationPoints(loadTrialData('data/trials.json')));
const base = { ...DEFAULTS.globals };
const tauClass = 3.5;
const nd = params.drugs.length;
const classDrugs = params.ownTau.filter((d) => d !== 'placebo');

/** A natural vector: the class drugs' mu as given, every priored drug at the centres (mu = class mu, tau = tauClass). */
function vector(classMus: number[]): number[] {
  const v = params.names.map((n) => (n === 'betaVerySevere' ? -1 : n.startsWith('logTau') ? Math.log(5) : 0));
  classDrugs.forEach((d, j) => { v[params.drugs.indexOf(d)] = classMus[j]; });
  const centre = classMus.reduce((a, b) => a + b, 0) / classMus.length;
  params.priorTau.forEach((d, j) => {
    v[params.drugs.indexOf(d)] = centre;
    v[nd + params.ownTau.length + j] = Math.log(tauClass);
  });
  return v;
}

describe('priors of the single-time-point drugs (calibration version 2)', () => {
  it('are the four deuruxolitinib and upadacitinib doses, tied to the four baricitinib and ritlecitinib doses', () => {
    expect(params.priorTau.sort()).toEqual(['deuruxolitinib-12mg', 'deuruxolitinib-8mg', 'upadacitinib-15mg', 'upadacitinib-30mg']);
    expect(classDrugs.sort()).toEqual(['baricitinib-2mg', 'baricitinib-4mg', 'ritlecitinib-30mg', 'ritlecitinib-50mg']);
  });

  it('cost nothing at the class values, and (d / sd)^2 per drug d away from them', () => {
    const v = vector([3, 1.2, 2.8, 2]);
    expect(classMu(params, v)).toBeCloseTo(2.25, 12);
    expect(penalty(params, fromNatural(params, v, base), base, tauClass)).toBeCloseTo(0, 12);
    const w = v.slice();
    w[params.drugs.indexOf('upadacitinib-30mg')] += 0.7;
    w[nd + params.ownTau.length + params.priorTau.indexOf('deuruxolitinib-8mg')] -= 0.3;
    expect(penalty(params, fromNatural(params, w, base), base, tauClass)).toBeCloseTo((0.7 / MU_PRIOR_SD) ** 2 + (0.3 / TAU_PRIOR_SDLOG) ** 2, 10);
  });

  it('move their mu centre with the class drugs, and a block step on a class drug sees it', () => {
    // One class drug's mu up by delta moves the centre by delta / 4: four priored mus each delta / 4 off.
    const delta = 0.8;
    const v = vector([3, 1.2, 2.8, 2]);
    v[params.drugs.indexOf('baricitinib-4mg')] += delta;
    const expected = params.priorTau.length * (delta / classDrugs.length / MU_PRIOR_SD) ** 2;
    const x = fromNatural(params, v, base);
    expect(penalty(params, x, base, tauClass)).toBeCloseTo(expected, 10);
    expect(penalty(params, x, base, tauClass, new Set(['baricitinib-4mg']))).toBeCloseTo(expected, 10);
    // A block on a drug outside the class and the priors sees none of it.
    expect(penalty(params, x, base, tauClass, new Set(['placebo']))).toBe(0);
  });
});
