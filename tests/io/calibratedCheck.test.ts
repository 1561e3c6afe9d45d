// The check "were these drug parameters calibrated?" reads the shipped catalog's `kind` and `drugs` without
// parsing the rest of the file (io/calibrated.ts checkedSections): the same values as the yaml library's whole
// parse, on the shipped file and on any document the library writes; the whole parse where a cut could misread.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { checkedSections } from '../../src/io/calibrated.js';

const picked = (doc: unknown) => {
  const d = doc as Record<string, unknown>;
  return { kind: d.kind, drugs: d.drugs };
};

describe('checkedSections', () => {
  it('reads the shipped catalog\'s kind and drugs as the whole parse does, and only those', () => {
    const text = readFileSync('scenarios/catalog.calibrated.yaml', 'utf8');
    const cut = checkedSections(text) as Record<string, unknown>;
    expect(Object.keys(cut)).toEqual(['kind', 'drugs']);
    expect(cut).toEqual(picked(YAML.parse(text)));
    expect((cut.drugs as unknown[]).length).toBeGreaterThan(3);
  });

  it('gives the whole parse\'s kind and drugs on any document the yaml library writes', () => {
    const drug = fc.record({ id: fc.string(), mu: fc.double({ noNaN: true }), tau: fc.double({ noNaN: true }), aeRate: fc.double({ noNaN: true }) });
    const other = fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/).filter((k) => k !== 'kind' && k !== 'drugs'), fc.jsonValue(), { maxKeys: 4 });
    fc.assert(fc.property(fc.string(), fc.array(drug, { maxLength: 4 }), other, other, fc.boolean(), (kind, drugs, before, after, drugsFirst) => {
      const doc = drugsFirst ? { drugs, ...before, kind, ...after } : { ...before, kind, ...after, drugs };
      const text = YAML.stringify(doc);
      expect(picked(checkedSections(text))).toEqual(picked(YAML.parse(text)));
    }), { numRuns: 300, seed: 16 });
  });

  it('parses the whole text where a cut could misread it', () => {
    const texts = [
      'kind: a\nother: &n 2\ndrugs:\n  - { id: x, mu: *n, tau: 1, aeRate: 0 }\n', // an alias to another section
      'kind: a\ndrugs:\n- id: x\n  mu: 1\n', // a sequence at the left margin
      '---\nkind: a\ndrugs: []\n', // a document marker
      '"kind": a\ndrugs: []\n', // a quoted key
    ];
    for (const text of texts) expect(checkedSections(text)).toEqual(YAML.parse(text));
    // A repeated key is an error of the whole parse: the check then counts nothing as calibrated.
    expect(() => checkedSections('kind: a\nfit: 1\ndrugs: []\nfit: 2\n')).toThrow();
  });
});
