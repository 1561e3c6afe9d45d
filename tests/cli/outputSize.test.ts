// Issue 11 class 3: the size of what a run or sweep will write is estimated before it simulates; beyond the
// limit it is refused naming the limit (nothing simulated, nothing written); within it, documents are
// written in pieces, so none is bounded by V8's longest string. Also partial files: within what merge reads.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/app/run.js';
import { expandGrid, sweepParameters } from '../../src/app/sweepGrid.js';
import { runCli } from '../../src/cli/main.js';
import { OUTPUT_LIMITS, summaryJsonEstimate, sweepJsonEstimate } from '../../src/io/results.js';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-outsize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, err: err.join(''), out: out.join('') };
}

function scenarioFile(name: string, doc: object): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...doc }));
  return file;
}

const twoPolicies = [
  { id: 'fail-6mo', sequence: ['baricitinib-4mg', 'ritlecitinib-50mg'], failAtMonths: 6 },
  { id: 'fail-9mo', sequence: ['baricitinib-4mg', 'ritlecitinib-50mg'], failAtMonths: 9 },
];

describe('output size, before simulating', () => {
  it('a sweep inside the grid and visit limits whose sweep.json would pass the limit is refused naming it; --allow-large raises it', async () => {
    const file = scenarioFile('wide', { patients: 1_000_000_000, horizon: 360, policies: twoPolicies });
    const values = Array.from({ length: 10_000 }, (_, i) => i / 10_000).join(',');
    const r = await cli(['sweep', file, '--set', `rhoClass=${values}`, '--workers', '1', '--out', join(dir, 'o')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/wide: sweep\.json of 10000 grid points would be about \d+\.\d GiB \(estimated before simulating\); at most 1\.0 GiB \(a limit that protects the machine: pass --allow-large if you mean it, which raises it to 2\.0 GiB\)/);
    const large = await cli(['sweep', file, '--set', `rhoClass=${values}`, '--workers', '1', '--out', join(dir, 'o'), '--allow-large']);
    expect(large.code).toBe(2);
    expect(large.err).toMatch(/at most 2\.0 GiB \(the most the results can hold in memory\)/);
    expect(readdirSync(dir).includes('o')).toBe(false);
  });

  it('a run of 256 policies x 10,000 visits (every documented limit) is refused before simulating, naming the limit', async () => {
    const policies = Array.from({ length: 256 }, (_, i) => ({ id: `p${i}`, sequence: ['baricitinib-4mg'], failAtMonths: 1 + (i % 12) }));
    const file = scenarioFile('tall', { patients: 1_000_000_000, horizon: 10_000, policies });
    for (const extra of [[], ['--checkpoint'], ['--shard', '1/4']]) {
      const r = await cli(['run', file, '--workers', '1', '--out', join(dir, 'o'), ...extra]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/tall: summary\.json would be about \d+\.\d GiB \(estimated before simulating\); at most 1\.0 GiB/);
    }
  });

  it('a shard whose partial file would be over what merge reads is refused, suggesting more shards', async () => {
    const file = scenarioFile('deep', { patients: 1_000_000_000, policies: twoPolicies });
    const r = await cli(['run', file, '--workers', '1', '--shard', '1/1', '--out', join(dir, 'o')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/shard 1\/1: its partial file would be about \d+ MiB, over the 256 MiB merge reads without --allow-large: use more shards/);
  });

  it('the estimates bound the files actually written (and are within a factor 3 of them)', async () => {
    const file = scenarioFile('small', { patients: 3000, horizon: 24, visitEveryMonths: 0.5, policies: twoPolicies });
    const out = join(dir, 'written');
    expect((await cli(['sweep', file, '--set', 'rhoClass=0,0.5,1', '--set', 'policy.failAtMonths=3,6', '--workers', '1', '--out', out])).code).toBe(0);
    expect((await cli(['run', file, '--workers', '1', '--out', out])).code).toBe(0);
    const runs = readdirSync(join(out, 'small')).map((f) => join(out, 'small', f));
    const sweepJson = statSync(join(runs.find((f) => readdirSync(f).includes('sweep.json'))!, 'sweep.json')).size;
    const summaryFolder = runs.find((f) => readdirSync(f).includes('summary.json'))!;
    const summaryJson = statSync(join(summaryFolder, 'summary.json')).size;
    const command = JSON.parse(readFileSync(join(summaryFolder, 'summary.json'), 'utf8')).command as string;

    const base = resolveScenario({ scenario: file });
    const grid = expandGrid(base, file, sweepParameters(base, file, ['rhoClass=0,0.5,1', 'policy.failAtMonths=3,6']));
    const sweepEstimate = sweepJsonEstimate(base, grid, command);
    expect(sweepEstimate).toBeGreaterThanOrEqual(sweepJson);
    expect(sweepEstimate).toBeLessThan(3 * sweepJson);
    const summaryEstimate = summaryJsonEstimate(base, command);
    expect(summaryEstimate).toBeGreaterThanOrEqual(summaryJson);
    expect(summaryEstimate).toBeLessThan(3 * summaryJson);
    expect(OUTPUT_LIMITS.bytes).toBeGreaterThan(512 * 1024 * 1024); // beyond one string: written in pieces
  });
});
