// Scenarios may take their catalog (and fitted globals) from a catalog file: `catalog: { file: ... }`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
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
  it('drugs: picks a subset of the catalog file, in the order given', () => {
    const { file } = files(catalog, scenario.replace('{ file: cat.yaml }', '{ file: cat.yaml, drugs: [b-2mg] }').replace('[a-1mg, b-2mg]', '[b-2mg]'));
    expect(loadScenario(file).catalog.map((d) => d.id)).toEqual(['b-2mg']);
  });
  it('drugs: refuses an id the catalog file lacks, naming it', () => {
    const { file } = files(catalog, scenario.replace('{ file: cat.yaml }', '{ file: cat.yaml, drugs: [a-1mg, c-3mg] }'));
    expect(() => loadScenario(file)).toThrow(/catalog\.drugs\[1\]: expected a drug of .*cat\.yaml \(a-1mg, b-2mg\), got "c-3mg"/);
  });
  it('the shipped clinical scenarios use the calibrated catalog (the three approved drugs)', () => {
    const cat = YAML.parse(readFileSync('scenarios/catalog.calibrated.yaml', 'utf8')) as {
      drugs: { id: string; mu: number; tau: number }[]; globals: { betaVerySevere: number };
    };
    expect(cat.drugs.find((d) => d.id === 'placebo')).toBeDefined();
    for (const name of ['default', 'six-vs-nine-stay', 'partial-responders', 'early-worsening', 'drug-order', 'threshold-sweep']) {
      const s = loadScenario(`scenarios/${name}.yaml`);
      expect(s.catalog.map((d) => d.id)).toEqual(['baricitinib-4mg', 'ritlecitinib-50mg', 'deuruxolitinib-8mg']);
      for (const d of s.catalog) {
        const fitted = cat.drugs.find((x) => x.id === d.id)!;
        expect([d.mu, d.tau]).toEqual([fitted.mu, fitted.tau]);
      }
      expect(s.globals.betaVerySevere).toBe(cat.globals.betaVerySevere);
    }
  });
});
