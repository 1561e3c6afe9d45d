// Issue 11 class 16: a closed pipe ends jaksim quietly; months of a non-integer visit grid print clean;
// run --shard --json and sweep --shard --json print one JSON document.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateScenario } from '../../src/app/run.js';
import { runCli } from '../../src/cli/main.js';
import { withEngine } from '../../src/engine/pool.js';
import { validateScenario } from '../../src/io/scenario.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'jaksim-printing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a reader that closes the pipe early', () => {
  it('`jaksim run ... | head -1` and `--json | head -c 10`: jaksim exits 0, nothing on stderr, the results written', async () => {
    for (const [flags, reader] of [['', 'head -1'], ['--json', 'head -c 10']]) {
      const out = join(dir, `pipe${flags}`);
      const script = `node bin/jaksim.js run scenarios/default.yaml --patients 20000 --workers 1 --out ${out} ${flags} 2>${out}.err | ${reader} >/dev/null; echo "\${PIPESTATUS[0]}"`;
      const { stdout } = await exec('bash', ['-c', script], { timeout: 60_000 });
      expect(stdout.trim(), flags).toBe('0');
      expect(await exec('cat', [`${out}.err`]).then((r) => r.stdout)).toBe('');
      expect(existsSync(join(out, 'default'))).toBe(true);
    }
  });
});

describe('months of a visit grid', () => {
  it('are the visit number times the interval as a person would write it, for any grid of up to 4 decimals', async () => {
    const grids = fc.sample(fc.integer({ min: 1, max: 5000 }).map((k) => Number((k * 3 / 10_000).toFixed(4))), { seed: 16, numRuns: 20 });
    grids.push(0.1, 0.3, 0.7, 1.1, 2.2);
    await withEngine(1, async (engine) => {
      for (const every of grids) {
        const decimals = (String(every).split('.')[1] ?? '').length;
        const s = validateScenario({ patients: 50, horizon: Math.min(12, every * 200), visitEveryMonths: every, policies: [{ id: 'p', sequence: ['baricitinib-4mg'] }] }, 's.yaml');
        const r = await simulateScenario(s, engine);
        r.policies[0].cumulative.forEach((c, v) => {
          // Independent: the decimal product, rounded to the grid's decimals.
          expect(c.month, `${every} x ${v + 1}`).toBe(Number(((v + 1) * every).toFixed(decimals)));
          expect(String(c.month)).not.toMatch(/\d{10}/);
        });
      }
    });
  });
});

describe('shards with --json', () => {
  it('run --shard --json and sweep --shard --json print one JSON document with the partial and the merge command', async () => {
    const out: string[] = [];
    const code = await runCli(['run', 'scenarios/default.yaml', '--patients', '5000', '--workers', '1', '--shard', '1/2', '--out', join(dir, 's'), '--json'],
      { out: (t) => out.push(t), err: () => {} });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const doc = JSON.parse(out[0]);
    expect(doc).toMatchObject({ shard: '1/2', blocks: 1, blockCount: 2 });
    expect(existsSync(doc.partial)).toBe(true);
    expect(doc.mergeCommand).toMatch(/^npx jaksim merge .*shards-[0-9a-f]{12} --out /);

    const sweepOut: string[] = [];
    const file = join(dir, 'sw.yaml');
    writeFileSync(file, 'patients: 5000\npolicies: [{id: p, sequence: [baricitinib-4mg]}]\n');
    expect(await runCli(['sweep', file, '--set', 'rhoClass=0,1', '--workers', '1', '--shard', '2/2', '--out', join(dir, 's'), '--json'],
      { out: (t) => sweepOut.push(t), err: () => {} })).toBe(0);
    expect(sweepOut).toHaveLength(1);
    expect(JSON.parse(sweepOut[0])).toMatchObject({ shard: '2/2', totalUnits: 4, units: 2 });
  });
});

describe('user text in console tables', () => {
  it('power: policy ids with a newline and quotes keep the table one line a row (shown escaped); the report is written (chart titles escaped)', async () => {
    const ids = ['wait "long"\nat 9', '=cmd|calc'];
    const file = join(dir, 'hostile.json');
    writeFileSync(file, JSON.stringify({
      name: 'hostile', seed: 3, patients: 4096, horizon: 12,
      policies: ids.map((id, i) => ({ id, sequence: ['baricitinib-4mg', 'ritlecitinib-50mg'], failAtMonths: 6 + 3 * i })),
    }));
    const out: string[] = [];
    const code = await runCli(['power', file, '--arms', ids.join(','), '--n', '40', '--trials', '20', '--workers', '1', '--out', join(dir, 'p')],
      { out: (t) => out.push(t), err: () => {} });
    expect(code).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.some((l) => l.startsWith('at 9'))).toBe(false);
    expect(lines[0]).toContain('wait "long"\\nat 9 vs =cmd|calc');
    expect(lines.some((l) => /Report: .*report\.html/.test(l))).toBe(true);
  });
});
