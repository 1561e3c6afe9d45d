// The Slurm job-array scripts of examples/slurm without Slurm: the variables Slurm sets, given by hand
// (scripts/slurm-test.sh submits them to a real Slurm). Merged shards equal one run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);

async function bash(script: string, args: string[], env: Record<string, string>) {
  try {
    // Not the variables of a Slurm job this test may itself run in.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'SHARDS'));
    const { stdout, stderr } = await exec('bash', [script, ...args], { env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('examples/slurm/shards.sh and merge.sh', () => {
  it('array tasks 1..3 then the merge of their --out folder: curves.csv byte-identical to one run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-slurm-script-'));
    const out = join(root, 'out');
    const slurm = { SLURM_SUBMIT_DIR: process.cwd(), SLURM_CPUS_PER_TASK: '1', SLURM_ARRAY_TASK_COUNT: '3' };
    const args = ['run', 'scenarios/default.yaml', '--patients', '12000', '--checkpoint', '--out', out];
    for (const task of ['1', '2']) {
      const r = await bash('examples/slurm/shards.sh', args, { ...slurm, SLURM_ARRAY_TASK_ID: task });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Shard ${task}/3: 1 of 3 blocks`);
    }
    // A rerun of task 3 alone, as a one-task array: SHARDS gives the count.
    const rerun = await bash('examples/slurm/shards.sh', args, { ...slurm, SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_ID: '3', SHARDS: '3' });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('Shard 3/3: 1 of 3 blocks');

    const merged = await bash('examples/slurm/merge.sh', [out], { SLURM_SUBMIT_DIR: process.cwd() });
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('Merged 3 partial result(s).');
    const single = join(root, 'single');
    await exec(process.execPath, ['bin/jaksim.js', 'run', 'scenarios/default.yaml', '--patients', '12000', '--workers', '1', '--out', single]);
    const folder = (o: string) => join(o, 'default', readdirSync(join(o, 'default')).filter((f) => !f.startsWith('.') && !f.startsWith('shards-'))[0]);
    expect(readFileSync(join(folder(out), 'curves.csv'), 'utf8')).toBe(readFileSync(join(folder(single), 'curves.csv'), 'utf8'));
  });

  it('outside a job array, says how to submit it', async () => {
    const r = await bash('examples/slurm/shards.sh', ['run', 'scenarios/default.yaml'], { SLURM_SUBMIT_DIR: process.cwd() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SLURM_ARRAY_TASK_ID: submit as a job array: sbatch --array=1-N/);
  });
});
