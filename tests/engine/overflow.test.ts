// Numbers at the edge of the double range in any numeric field of a scenario: refused by validation, or a
// run whose every output is finite (no total, product or cost that overflows into Infinity or NaN).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateScenario } from '../../src/app/run.js';
import { withEngine } from '../../src/engine/pool.js';
import { UserError } from '../../src/io/errors.js';
import { validateScenario } from '../../src/io/scenario.js';

const base = () => ({
  name: 'overflow',
  seed: 3,
  patients: 300,
  horizon: 12,
  switchGapMonths: 1,
  population: { salt0: [{ min: 95, max: 100, weight: 1 }, { min: 50, max: 95, weight: 1 }], durYears: { median: 3, sdlog: 0.8, min: 0.5, max: 20 }, minoxidilShare: 0.3, worseningShare: 0.3, worseningMean: 1.5 },
  globals: { sigma: 1, k: 2, sTau: 0.5, betaDur: -0.3, refDurYears: 3.5, betaMinoxidil: 0.25, betaVerySevere: -0.5, tauOff: 2 },
  catalog: [
    { id: 'a', mu: 0.3, tau: 5, aeRate: 0.002, monthlyPrice: 1000 },
    { id: 'b', mu: 0.1, tau: 5, aeRate: 0.002, monthlyPrice: 2000 },
  ],
  policies: [
    { id: 'p', sequence: ['a', 'b'], failAtMonths: 3 },
    { id: 'q', sequence: ['b', 'a'], failAtMonths: 6, extendIfImprovedPct: 50, extendToMonths: 9, worseningFromMonths: 1, worseningPoints: 5, afterLastLine: 'stay' },
  ],
});

/** Paths of every number in the document. */
function numericPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'number') return [at];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => numericPaths(x, [...at, Array.isArray(v) ? Number(k) : k]));
}

const extremes = fc.constantFrom(1e12, 1e6, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-308, -1e-308, 5e-324, 1e200, -1e200, 1e15, 2 ** 53);
const paths = numericPaths(base()).filter((p) => p[0] !== 'patients' && p[0] !== 'seed');

function set(doc: unknown, path: (string | number)[], value: number): void {
  let node = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

function nonFinite(doc: unknown, at = 'result'): string | null {
  if (typeof doc === 'number') return Number.isFinite(doc) ? null : `${at} = ${doc}`;
  if (doc === null || typeof doc !== 'object') return null;
  for (const [k, v] of Object.entries(doc)) {
    const bad = nonFinite(v, `${at}.${k}`);
    if (bad) return bad;
  }
  return null;
}

describe('numbers at the edge of the double range', () => {
  it('in one or two fields: refused (UserError) or every output finite', async () => {
    const samples = fc.sample(fc.array(fc.tuple(fc.constantFrom(...paths), extremes), { minLength: 1, maxLength: 2 }), { seed: 12, numRuns: 300 });
    samples.push([[['catalog', 0, 'monthlyPrice'], 1e12], [['horizon'], 1e6]], [[['catalog', 1, 'monthlyPrice'], 1e12]]);
    let ran = 0;
    await withEngine(1, async (engine) => {
      for (const muts of samples) {
        const doc = base();
        for (const [path, v] of muts) set(doc, path, v);
        let s;
        try {
          s = validateScenario(doc, 'overflow.yaml');
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          continue;
        }
        ran++;
        const result = await simulateScenario(s, engine);
        expect(nonFinite(result), JSON.stringify(muts)).toBeNull();
      }
    });
    expect(ran).toBeGreaterThan(50);
  });

  it('salt0 weights whose total overflows are refused (each bin would get share 0, all patients the last bin)', () => {
    const doc = base();
    doc.population.salt0 = [{ min: 95, max: 100, weight: 1e308 }, { min: 50, max: 95, weight: 1e308 }];
    expect(() => validateScenario(doc, 'overflow.yaml')).toThrow(/population\.salt0: expected weights with a finite total, got Infinity/);
    doc.population.salt0 = [{ min: 95, max: 100, weight: 1e307 }, { min: 50, max: 95, weight: 3e307 }];
    expect(validateScenario(doc, 'overflow.yaml').population.salt0).toHaveLength(2);
  });

  it('prices and horizons beyond their bounds are refused, naming the bound', () => {
    const priced = base();
    priced.catalog[0].monthlyPrice = 1e200;
    expect(() => validateScenario(priced, 'overflow.yaml')).toThrow(/catalog\[0\]\.monthlyPrice: expected a number <= 1000000000000/);
    expect(() => validateScenario({ ...base(), horizon: 1e7 }, 'overflow.yaml')).toThrow(/horizon: expected a number <= 1000000/);
  });
});
