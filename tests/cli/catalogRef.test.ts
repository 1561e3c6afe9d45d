// Scenarios may take their catalog (and fitted globals) from a catalog file: `catalog: { file: ... }`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/io/scenario.js';

function files(catalog: string, scenario: string) {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-catref-'));
  writeFileSync(join(dir, 'cat.yaml'), catalog);
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, scenario);
  return { dir, file };
}

const catalog = `kind: jaksim-calibrated-catalog
fit: { deviance: 1 }
globals: { betaVerySevere: -1.2, sigma: 1.3 }
drugs:
  - { id: a-1mg, molecule: a, mu: 0.5, tau: 4, aeRate: 0.002, monthlyPrice: 100 }
  - { id: b-2mg, molecule: b, mu: 0.7, tau: 5, aeRate: 0.003 }
`;
const scenario = `catalog: { file: cat.yaml }
globals: { sigma: 0.9 }
policies: [{ id: p, sequence: [a-1mg, b-2mg] }]
`;

describe('catalog by reference', () => {
  it('loads the drugs; catalog globals fill what the scenario does not set', () => {
    const { file } = files(catalog, scenario);
    const s = loadScenario(file);
    expect(s.catalog.map((d) => [d.id, d.mu, d.tau, d.monthlyPrice])).toEqual([['a-1mg', 0.5, 4, 100], ['b-2mg', 0.7, 5, undefined]]);
    expect(s.globals.sigma).toBe(0.9);
    expect(s.globals.betaVerySevere).toBe(-1.2);
    expect(s.globals.k).toBe(2);
  });
  it('names both files when the catalog file is invalid', () => {
    const { file, dir } = files(catalog.replace('tau: 4,', 'tau: -4,'), scenario);
    expect(() => loadScenario(file)).toThrow(`${join(dir, 'cat.yaml')} (catalog of ${file}): drugs[0].tau: expected a number > 0, got -4`);
  });
  it('refuses an unknown global in the catalog file', () => {
    const { file } = files(catalog.replace('sigma: 1.3', 'sigmaa: 1.3'), scenario);
    expect(() => loadScenario(file)).toThrow(/catalog of .*: globals\.sigmaa: expected no such field/);
  });
  it('refuses a missing catalog file, naming the scenario and the reference', () => {
    const { file } = files(catalog, scenario.replace('cat.yaml', 'nope.yaml'));
    expect(() => loadScenario(file)).toThrow(`${file}: catalog.file: expected a readable catalog file, got "nope.yaml" (no such file)`);
  });
  it('the shipped default scenario uses the calibrated catalog', () => {
    const s = loadScenario('scenarios/default.yaml');
    expect(s.catalog.map((d) => d.id)).toContain('upadacitinib-15mg');
    expect(s.catalog.find((d) => d.id === 'placebo')?.molecule).toBe('placebo');
  });
});
