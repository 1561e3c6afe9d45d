// Hostile input: random and mutated scenario documents, --set flags and partial files are refused with a UserError (exit 2), never anything else.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { mergePartials } from '../../src/app/merge.js';
import { UserError } from '../../src/io/errors.js';
import { canonicalJson, scenarioHash } from '../../src/io/hash.js';
import { makePartial, readPartial } from '../../src/io/partialFile.js';
import {
  FILE_LIMITS, decodeScenarioBytes, loadScenario, parseScenarioChecked, validateScenario,
} from '../../src/io/scenario.js';
import { expandGrid, parseSetFlag, sweepParameters } from '../../src/app/sweepGrid.js';
import { compileScenario } from '../../src/model/compile.js';
import { ENGINE_VERSION, engineFingerprint } from '../../src/version.js';
import { BLOCK_SIZE, planBlocks, runBlock } from '../../src/engine/runBlock.js';

const SEED = 20261127;
const base = () => ({
  name: 'hostile',
  patients: 500,
  horizon: 12,
  catalog: [
    { id: 'bari', mu: 0.3, tau: 5, aeRate: 0.002 },
    { id: 'ritle', mu: 0.1, tau: 5, aeRate: 0.002 },
  ],
  correlation: { rhoClass: 0.5 },
  globals: { sigma: 1, k: 2 },
  population: { minoxidilShare: 0.3 },
  policies: [{ id: 'p', sequence: ['bari', 'ritle'], failAtMonths: 6 }],
});

/** Every path into the base document (objects and arrays), where a mutation can land. */
function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) out.push(...pathsOf(child, [...at, Array.isArray(v) ? Number(k) : k]));
  }
  return out;
}

function setPath(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

/** Nasty values: huge, non-finite (as numbers and as strings), long strings, deep nests, wrong types. */
const nasty = fc.oneof(
  fc.constantFrom(
    'NaN', 'Infinity', '-Infinity', '1e999', '.nan', '.inf', '', ' ', '0x10', '1_000', null, true, [], {},
    1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 53 + 1, 1e9 + 1, 1e12,
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 50 }),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.integer({ min: 1, max: 200 }).map((d) => { let v: unknown = 1; for (let i = 0; i < d; i++) v = { a: v }; return v; }),
  fc.integer({ min: 1, max: 200 }).map((d) => { let v: unknown = []; for (let i = 0; i < d; i++) v = [v]; return v; }),
  fc.jsonValue({ maxDepth: 4 }),
);

const basePaths = pathsOf(base());

/** Only user errors may escape; anything else (TypeError, RangeError, ...) fails the property. */
function loadsOrRefuses(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    expect(err.message.length).toBeLessThan(2000);
    expect(err.message).not.toMatch(/\n\s+at /);
  }
}

/** Text through the same checks as a file (minus the read): decode, size, parse, depth, schema. */
function loadText(bytes: Uint8Array | string, file: string) {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const s = validateScenario(parseScenarioChecked(decodeScenarioBytes(buf, file), file), file);
  compileScenario(s); // a scenario that validates also compiles
  return s;
}

describe('hostile scenario documents', () => {
  it('a mutated scenario (one or more fields replaced by nasty values) loads or is a UserError, as YAML and as JSON', () => {
    const mutation = fc.array(fc.tuple(fc.constantFrom(...basePaths), nasty), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(mutation, fc.boolean(), (muts, asJson) => {
      let doc: unknown = base();
      for (const [path, value] of muts) {
        try { doc = setPath(doc, path, value); } catch { /* path gone after an earlier mutation */ }
      }
      const text = asJson ? JSON.stringify(doc) : YAML.stringify(doc, { aliasDuplicateObjects: false });
      loadsOrRefuses(() => loadText(text, asJson ? 's.json' : 's.yaml'));
    }), { seed: SEED, numRuns: 300 });
  });

  it('random text, random bytes and truncations of a valid file are loaded or refused with a UserError', () => {
    const valid = YAML.stringify(base());
    fc.assert(fc.property(
      fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: valid.length }).map((n) => valid.slice(0, n)),
        fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }))
          .map(([at, byte]) => { const b = Buffer.from(valid); b[at] = byte; return new Uint8Array(b); }),
      ),
      fc.boolean(),
      (input, asJson) => loadsOrRefuses(() => loadText(input, asJson ? 's.json' : 's.yaml')),
    ), { seed: SEED, numRuns: 400 });
  });

  it('exponential YAML aliases (billion laughs) are refused at the alias cap, quickly', () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    lines.push('name: *a9');
    expect(() => loadText(lines.join('\n'), 'laughs.yaml')).toThrow(/expected valid YAML.*alias/i);
  });

  it('duplicate keys, NaN and Infinity written as strings or YAML, wrong encodings, deep nests: one clear message', () => {
    const cases: [string | Uint8Array, string, RegExp][] = [
      ['name: a\nname: b\n', 's.yaml', /name: expected each key at most once, got "name" again at line 2, column 1/],
      ['{"name": "a",\n "name": "b"}', 's.json', /name: expected each key at most once, got "name" again at line 2/],
      [YAML.stringify({ ...base(), horizon: '.nan' }), 's.yaml', /horizon: expected a finite number, got ".nan"/],
      [YAML.stringify(base()).replace('horizon: 12', 'horizon: .inf'), 's.yaml', /horizon: expected a finite number/],
      [YAML.stringify(base()).replace('horizon: 12', 'horizon: .nan'), 's.yaml', /horizon: expected a finite number/],
      [JSON.stringify(base()).replace('"horizon":12', '"horizon":1e999'), 's.json', /horizon: expected a finite number/],
      [JSON.stringify({ ...base(), horizon: 'Infinity' }), 's.json', /horizon: expected a finite number, got "Infinity"/],
      [new Uint8Array([0xff, 0xfe, 0x6e, 0x00, 0x61, 0x00]), 's.yaml', /expected UTF-8 text/],
      [Buffer.from('name: caf\xe9\n', 'latin1'), 's.yaml', /expected UTF-8 text/],
      ['['.repeat(100_000), 's.json', /valid JSON|nested/],
      ['['.repeat(100_000) + ']'.repeat(100_000), 's.json', /nested at most 32 deep/],
      [`description: ${'['.repeat(5000)}${']'.repeat(5000)}`, 's.yaml', /nested|valid YAML/],
      [`x:\n${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 1)}y${i}:`).join('\n')}`, 's.yaml', /nested at most 32 deep|valid YAML/],
    ];
    for (const [input, file, message] of cases) {
      let caught: unknown;
      try { loadText(input, file); } catch (err) { caught = err; }
      expect(caught, String(input).slice(0, 60)).toBeInstanceOf(UserError);
      expect((caught as Error).message).toMatch(message);
    }
  });

  it('a key repeated anywhere in a scenario is refused in JSON and YAML, naming its path, the key and its line', () => {
    // Objects of the base document where a duplicate can be planted, with the line the copy lands on.
    const objects = pathsOf(base()).filter((p) => {
      let v: unknown = base();
      for (const k of p) v = (v as Record<string | number, unknown>)[k];
      return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0;
    });
    fc.assert(fc.property(fc.constantFrom(...objects), fc.nat(), fc.boolean(), fc.jsonValue({ maxDepth: 2 }), (path, pick, asJson, value) => {
      let target: Record<string, unknown> = base() as unknown as Record<string, unknown>;
      for (const k of path) target = target[k] as Record<string, unknown>;
      const keys = Object.keys(target);
      const key = keys[pick % keys.length];
      const marker = '__DUPLICATE_MARKER__';
      const doc = setPath(base(), [...path, marker], value);
      // JSON: one key per line; the marker's line is then renamed to the repeated key.
      const text = asJson
        ? JSON.stringify(doc, null, 1).replace(`"${marker}"`, JSON.stringify(key))
        : YAML.stringify(doc, { aliasDuplicateObjects: false }).replace(marker, key);
      const at = [...path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)), `.${key}`].join('').replace(/^\./, '');
      let caught: unknown;
      try { loadText(text, asJson ? 's.json' : 's.yaml'); } catch (err) { caught = err; }
      expect(caught).toBeInstanceOf(UserError);
      const message = (caught as Error).message;
      expect(message).toContain(`: ${at}: expected each key at most once, got ${JSON.stringify(key)} again at line `);
      // The line named is the line of the second occurrence (the planted one).
      const named = Number(/again at line (\d+)/.exec(message)![1]);
      expect(text.split('\n')[named - 1]).toMatch(asJson ? new RegExp(`^\\s*${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`) : new RegExp(`(^|[-\\s{,])${key}:`));
      const before = text.split('\n').slice(0, named - 1).join('\n');
      expect(before.split(asJson ? `${JSON.stringify(key)}:` : `${key}:`).length).toBeGreaterThan(1);
    }), { seed: SEED, numRuns: 150 });
  });

  it('a file over the size limit is refused unless --allow-large', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-hostile-'));
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `${YAML.stringify(base())}description: "${'x'.repeat(FILE_LIMITS.bytes)}"\n`);
    expect(() => loadScenario(file)).toThrow(/at most 1048576 bytes \(pass --allow-large if you mean it\)/);
    expect(loadScenario(file, { allowLarge: true }).name).toBe('hostile');
  });

  it('limits that protect the machine: a clear message naming --allow-large, which raises them', () => {
    const drugs = Array.from({ length: 65 }, (_, i) => ({ id: `d${i}`, mu: 0.1, tau: 5, aeRate: 0 }));
    const many = { ...base(), catalog: drugs, policies: [{ id: 'p', sequence: ['d0'] }] };
    expect(() => validateScenario(many, 's.yaml')).toThrow(/catalog: expected at most 64 item\(s\) \(a limit that protects the machine: pass --allow-large if you mean it\)/);
    expect(validateScenario(many, 's.yaml', { allowLarge: true }).catalog).toHaveLength(65);
    const long = { ...base(), horizon: 20_000 };
    expect(() => validateScenario(long, 's.yaml')).toThrow(/horizon: expected at most 10000 visits .*--allow-large/);
    expect(validateScenario(long, 's.yaml', { allowLarge: true }).horizon).toBe(20_000);
    const huge = { ...base(), patients: 2e9 };
    expect(() => validateScenario(huge, 's.yaml')).toThrow(/patients: expected a number <= 1000000000 .*--allow-large/);
    expect(validateScenario(huge, 's.yaml', { allowLarge: true }).patients).toBe(2e9);
    const s = validateScenario(base(), 's.yaml');
    const values = Array.from({ length: 101 }, (_, i) => i / 100).join(',');
    expect(() => expandGrid(s, 's.yaml', sweepParameters(s, 's.yaml', [`rhoClass=${values}`, `policy.failAtMonths=${values.replace(/(^|,)0(,|$)/, '$10.5$2')}`])))
      .toThrow(/10201 grid points; at most 10000 \(pass --allow-large if you mean it\)/);
  });

  it('through runCli: exit 2 and one line on stderr, nothing run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jaksim-hostile-cli-'));
    const inputs = fc.sample(fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.tuple(fc.constantFrom(...basePaths.filter((p) => p.length > 0)), nasty.filter((v) => typeof v !== 'number'))
        .map(([path, v]) => YAML.stringify(setPath(base(), path, v))),
    ), { seed: SEED, numRuns: 25 });
    inputs.push(Buffer.from('a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nname: *c\n'));
    let refused = 0;
    for (const [i, input] of inputs.entries()) {
      const file = join(dir, `s${i}.yaml`);
      writeFileSync(file, input);
      const err: string[] = [];
      const code = await runCli(['run', file, '--out', join(dir, 'results'), '--workers', '1', '--json'], { out: () => {}, err: (t) => err.push(t) });
      if (code === 0) continue; // the mutation left a valid scenario
      refused++;
      expect(code, err.join('')).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0].trim().split('\n')).toHaveLength(1);
      expect(err[0]).toMatch(/^jaksim: /);
    }
    expect(refused).toBeGreaterThan(inputs.length / 2);
  });
});

describe('hostile --set flags', () => {
  it('any --set text gives a grid of valid scenarios or a UserError', () => {
    const s = validateScenario(base(), 'base.yaml');
    const flag = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.constantFrom('rhoClass', 'policy.failAtMonths', 'horizon', 'patients', 'globals.sigma', 'catalog[0].mu', 'policies[3].x', '__proto__.x', 'constructor'),
        fc.array(fc.oneof(fc.constantFrom('NaN', 'Infinity', '1e999', '-1', '', 'true', '0x1p3'), fc.double().map(String)), { minLength: 1, maxLength: 4 }))
        .map(([p, vs]) => `${p}=${vs.join(',')}`),
    );
    fc.assert(fc.property(fc.array(flag, { minLength: 1, maxLength: 2 }), (flags) => {
      loadsOrRefuses(() => {
        flags.forEach(parseSetFlag);
        expandGrid(s, 'base.yaml', sweepParameters(s, 'base.yaml', flags));
      });
      expect(({} as Record<string, unknown>).x).toBeUndefined(); // no prototype pollution
    }), { seed: SEED, numRuns: 300 });
  });
});

describe('hostile partial files', () => {
  const s = validateScenario({ ...base(), patients: 2 * BLOCK_SIZE }, 'base.yaml');
  const c = compileScenario(s);
  const blocks = new Map(planBlocks(s.patients).map((b) => [b.index, runBlock(c, b)] as const));
  const good = makePartial({
    engineVersion: ENGINE_VERSION, engineFingerprint: engineFingerprint(), scenarioHash: scenarioHash(s), seed: s.seed, patients: s.patients, blockSize: BLOCK_SIZE,
    blockCount: 2, layoutLength: c.layout.length, shard: { index: 1, count: 1 }, workers: 1, scenario: s,
  }, blocks);
  const text = JSON.stringify(good);
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-partial-'));
  let n = 0;
  const merge = (content: string | Uint8Array) => {
    const file = join(dir, `p${n++}.partial.json`);
    writeFileSync(file, content);
    return mergePartials([file]);
  };

  it('the unaltered file merges', () => {
    expect(merge(text).result.patients).toBe(2 * BLOCK_SIZE);
  });

  it('truncated, byte-flipped, random or field-mutated files (checksum kept stale or recomputed) are a UserError', () => {
    const paths = pathsOf(JSON.parse(text)).filter((p) => p.length > 0);
    const input = fc.oneof(
      fc.integer({ min: 0, max: text.length - 1 }).map((k) => text.slice(0, k)),
      fc.tuple(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 0, max: 255 }))
        .map(([at, byte]) => { const b = Buffer.from(text); b[at] = byte; return new Uint8Array(b); }),
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.constantFrom(...paths), nasty, fc.boolean()).map(([path, v, fix]) => {
        const doc = setPath(JSON.parse(text), path, v) as Record<string, unknown>;
        if (fix && doc && typeof doc === 'object' && !Array.isArray(doc)) {
          // Recompute the checksum so the deeper checks (scenario, hash, blocks) are what refuses it.
          const { checksum: _c, ...rest } = doc;
          return JSON.stringify({ ...rest, checksum: createHash('sha256').update(canonicalJson(rest)).digest('hex') });
        }
        return JSON.stringify(doc);
      }),
    );
    fc.assert(fc.property(input, (content) => {
      loadsOrRefuses(() => merge(content));
    }), { seed: SEED, numRuns: 300 });
  });

  it('through runCli merge: exit 2 and one line for damaged partial files', async () => {
    const inputs = fc.sample(fc.oneof(
      fc.integer({ min: 0, max: text.length - 1 }).map((k) => text.slice(0, k)),
      fc.uint8Array({ maxLength: 100 }),
      fc.tuple(fc.constantFrom(...pathsOf(JSON.parse(text)).filter((p) => p.length > 0)), nasty)
        .map(([path, v]) => JSON.stringify(setPath(JSON.parse(text), path, v))),
    ), { seed: SEED, numRuns: 20 });
    for (const content of inputs) {
      const file = join(dir, `cli${n++}.partial.json`);
      writeFileSync(file, content);
      const err: string[] = [];
      const code = await runCli(['merge', file, '--out', join(dir, 'merged')], { out: () => {}, err: (t) => err.push(t) });
      expect(code, err.join('')).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0].trim().split('\n')).toHaveLength(1);
    }
  });

  it('a partial of another engine version, with a valid checksum, is refused naming both versions', () => {
    const { checksum: _c, ...rest } = { ...JSON.parse(text), engineVersion: '0.0.0' };
    const content = JSON.stringify({ ...rest, checksum: createHash('sha256').update(canonicalJson(rest)).digest('hex') });
    expect(() => merge(content)).toThrow(new RegExp(`written by engine 0\\.0\\.0, but this is engine ${ENGINE_VERSION.replace(/\./g, '\\.')}`));
  });

  it('a file over the limit is refused with a hint', () => {
    const file = join(dir, 'big.partial.json');
    writeFileSync(file, text);
    expect(() => readPartial(file, 100)).toThrow(/over the limit of 100 bytes \(pass --allow-large/);
  });
});
