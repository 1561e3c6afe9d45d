// splitRuns (a calibration evaluation's runs cut into one contiguous share a worker): every patient of every block
// of every run in exactly one part, the parts within one patient of each other in size, whole blocks but at the ends.
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, planBlocks, splitRuns } from '../../src/engine/runBlock.js';

describe('splitRuns', () => {
  const cases: [number[], number][] = [
    [[2048, 2048, 2048], 2], [[1000, 50, 7, 9000, 1], 2], [[8192, 100, 3000], 3], [[5], 4], [[4096, 4096], 2], [[], 2], [[0, 12], 2],
  ];
  for (const [patients, parts] of cases) {
    it(`${patients.join('+')} patients in ${parts} parts`, () => {
      const split = splitRuns(patients, parts);
      expect(split).toHaveLength(parts);
      // Each block's patients exactly once, in part order and patient order: the parts laid end to end are the runs.
      const flat = split.flat();
      const expected = patients.flatMap((n, run) => planBlocks(n).map((block) => ({ run, block })));
      let k = 0;
      for (const { run, block } of expected) {
        let next = 0;
        while (next < block.size) {
          const p = flat[k++];
          expect(p.run).toBe(run);
          expect(p.block).toEqual(block);
          expect(p.range.from).toBe(next);
          expect(p.range.to).toBeGreaterThan(p.range.from);
          next = p.range.to;
        }
        expect(next).toBe(block.size);
      }
      expect(k).toBe(flat.length);
      // Balanced: sizes floor(N / parts) or one more.
      const total = patients.reduce((a, n) => a + n, 0);
      for (const part of split) {
        const size = part.reduce((a, p) => a + p.range.to - p.range.from, 0);
        expect(Math.abs(size - total / parts)).toBeLessThan(1);
        // Only a part's first and last pieces may be parts of blocks.
        part.slice(1, -1).forEach((p) => expect(p.range.to - p.range.from).toBe(p.block.size));
      }
    });
  }

  it('one part is every block whole, as one worker runs them', () => {
    const split = splitRuns([BLOCK_SIZE + 5, 3], 1);
    expect(split[0].map((p) => [p.run, p.block.index, p.range.from, p.range.to])).toEqual([[0, 0, 0, BLOCK_SIZE], [0, 1, 0, 5], [1, 0, 0, 3]]);
  });
});
