// io/jsonStream.ts: the pieces of a large JSON document concatenate to exactly JSON.stringify's text, and the
// size estimate of a skeleton bounds the text of any document of that shape.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, documentHash, sha256 } from '../../src/io/hash.js';
import { jsonChunks, jsonSizeEstimate } from '../../src/io/jsonStream.js';

/** Pieces of at most `pieceValues` values: small budgets make every container go through the piecewise writer. */
const join = (v: unknown, space: 0 | 2, pieceValues?: number) => [...jsonChunks(v, space, false, pieceValues)].join('');

/** JSON-like values with what JSON.stringify leaves out or changes: undefined, functions, NaN, -0, toJSON, holes, long arrays. */
const awkward = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(undefined, NaN, Infinity, -0, () => 1, new Date(0), Symbol('s')),
    fc.double(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.double(), { minLength: 250, maxLength: 300 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    fc.constant(Object.assign([1, , 3], { extra: 1 })), // eslint-disable-line no-sparse-arrays
  ),
})).value;

describe('jsonChunks', () => {
  it('concatenates to JSON.stringify(value, null, 0 or 2) for any value', () => {
    fc.assert(fc.property(awkward, fc.constantFrom(0 as const, 2 as const), fc.constantFrom(0, 1, 3, 20_000), (v, space, pieceValues) => {
      expect(join(v, space, pieceValues)).toBe(JSON.stringify(v, null, space) ?? '');
    }), { seed: 31, numRuns: 600 });
  });

  it('with sorted keys, hashed piece by piece, equals the SHA-256 of canonicalJson (the partial checksums and hashes)', () => {
    fc.assert(fc.property(awkward, (v) => {
      const text = canonicalJson(v);
      if (text === undefined) return;
      expect([...jsonChunks(v, 0, true, 2)].join('')).toBe(text);
      expect(documentHash(v)).toBe(sha256(text));
    }), { seed: 33, numRuns: 300 });
  });

  it('handles documents far deeper than a recursive writer could', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: [deep] };
    const text = join(deep, 0);
    expect(text.length).toBe(20_000 * '{"a":[]}'.length + 1);
    expect(text.startsWith('{"a":[{"a":[')).toBe(true);
  });

  it('the size estimate of a skeleton is at least the text of any document of that shape', () => {
    const shaped = fc.array(fc.record({ month: fc.integer({ min: 1, max: 100 }), rate: fc.double(), lo: fc.double(), hi: fc.double({ noNaN: true }) }), { maxLength: 50 });
    fc.assert(fc.property(shaped, fc.constantFrom(0 as const, 2 as const), (doc, space) => {
      const skeleton = doc.map(() => ({ month: 0, rate: 0, lo: 0, hi: 0 }));
      expect(jsonSizeEstimate({ policies: [{ id: 'p', cumulative: skeleton }] }, space))
        .toBeGreaterThanOrEqual(JSON.stringify({ policies: [{ id: 'p', cumulative: doc }] }, null, space).length);
    }), { seed: 32, numRuns: 200 });
  });
});
