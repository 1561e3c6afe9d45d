// Prototype names as user ids (__proto__, constructor, toString, ...): a drug or policy id so named behaves
// exactly as any other id (same numbers as the scenario with plain ids); a population so named is not a
// population; a key named __proto__ in any file is refused (it would set the prototype and vanish).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateScenario } from '../../src/app/run.js';
import { runCli } from '../../src/cli/main.js';
import { withEngine } from '../../src/engine/pool.js';
import { UserError } from '../../src/io/errors.js';
import { parseJson } from '../../src/io/jsonText.js';
import { loadScenario, validateScenario } from '../../src/io/scenario.js';
import { validateTrialData } from '../../src/io/trials.js';

const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];
const dir = mkdtempSync(join(tmpdir(), 'jaksim-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (drugIds: string[], policyIds: string[]) => ({
  name: 'proto', seed: 5, patients: 2000, horizon: 12,
  catalog: drugIds.map((id, i) => ({ id, molecule: `m${i}`, mu: 0.1 + 0.1 * i, tau: 5, aeRate: 0.003 })),
  policies: policyIds.map((id, i) => ({ id, sequence: i % 2 ? [...drugIds].reverse() : drugIds, failAtMonths: 3 + 3 * i })),
});

describe('prototype names as ids', () => {
  it('drug and policy ids named like Object.prototype members give the same results as plain ids', async () => {
    const ids = fc.uniqueArray(fc.oneof(fc.constantFrom(...PROTO), fc.constantFrom('a', 'b', 'c')), { minLength: 2, maxLength: 3 });
    const samples = fc.sample(fc.tuple(ids, ids), { seed: 10, numRuns: 12 });
    await withEngine(1, async (engine) => {
      for (const [drugIds, policyIds] of samples) {
        const named = await simulateScenario(validateScenario(scenario(drugIds, policyIds), 's.yaml'), engine);
        const plainDrugs = drugIds.map((_, i) => `drug${i}`);
        const plain = await simulateScenario(validateScenario(scenario(plainDrugs, policyIds.map((_, i) => `policy${i}`)), 's.yaml'), engine);
        named.policies.forEach((p, k) => {
          expect(p.id).toBe(policyIds[k]);
          expect(Object.keys(p.drugMonths)).toEqual(drugIds);
          expect(Object.values(p.drugMonths)).toEqual(Object.values(plain.policies[k].drugMonths));
          expect(p.cumulative).toEqual(plain.policies[k].cumulative);
        });
        named.comparisons.forEach((c, k) => {
          expect(Object.keys(c.drugMonths)).toEqual(drugIds);
          expect(Object.values(c.drugMonths)).toEqual(Object.values(plain.comparisons[k].drugMonths));
        });
        // The JSON document keeps every drug (JSON.parse defines __proto__ as an own key).
        const back = JSON.parse(JSON.stringify(named)) as typeof named;
        expect(Object.keys(back.policies[0].drugMonths)).toEqual(drugIds);
      }
    });
  });

  it('trial --population with a prototype name is refused, naming the populations', async () => {
    for (const name of PROTO) {
      const err: string[] = [];
      const code = await runCli(['trial', 'baricitinib-4mg', '--population', name, '--workers', '1'], { out: () => {}, err: (t) => err.push(t) });
      expect(code, name).toBe(2);
      expect(err.join(''), name).toMatch(/--population: expected one of BRAVE-AA, ALLEGRO, THRIVE-AA, UP-AA/);
    }
  });

  it('an arm of a population named like a prototype member that the data lack is refused', () => {
    const data = { populations: { P: { inclusion: 'x', meanSalt: 85, shareSalt95to100: 0.5, meanEpisodeYears: 3, source: 's' } },
      arms: [{ trial: 't', population: 'toString', drug: 'd', n: 100, response: [{ week: 24, salt20: 0.3 }], source: 's' }] };
    expect(() => validateTrialData(data, 'trials.json')).toThrow(/arms\[0\]\.population: expected one of the populations \(P\), got "toString"/);
  });

  it('a key named __proto__ anywhere in a JSON or YAML file is refused naming its path', () => {
    expect(parseJson('{"a": [{"__proto__": {"x": 1}}]}')).toMatchObject({ ok: false, reason: expect.stringMatching(/__proto__ \(a\[0\]\.__proto__\)/) });
    const cases: [string, string, RegExp][] = [
      ['s.yaml', 'sweep: {__proto__: [1, 2]}\npolicies: [{id: p, sequence: [baricitinib-4mg]}]\n', /s\.yaml: sweep\.__proto__: expected a field name other than __proto__/],
      ['s.json', '{"policies": [{"id": "p", "sequence": ["baricitinib-4mg"]}], "population": {"__proto__": {"minoxidilShare": 1}}}', /s\.json: .*__proto__/],
      ['t.yaml', 'policies: [{id: p, sequence: [baricitinib-4mg], __proto__: {failAtMonths: 1}}]\n', /policies\[0\]\.__proto__: expected a field name other than __proto__/],
    ];
    for (const [name, text, message] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      let caught: unknown;
      try { loadScenario(file); } catch (err) { caught = err; }
      expect(caught, name).toBeInstanceOf(UserError);
      expect((caught as Error).message, name).toMatch(message);
    }
    expect(() => validateTrialData(JSON.parse('{"populations": {"__proto__": {}}, "arms": []}'), 'trials.json')).toThrow(/populations\.__proto__/);
  });
});
