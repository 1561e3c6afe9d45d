// The Kubernetes Indexed Job of examples/k8s: its schema fields, then its contract run locally (no cluster here):
// the container's own command line as `completions` processes with JOB_COMPLETION_INDEX = 0..n-1, the merge, equal to one run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const exec = promisify(execFile);

interface EnvVar { name: string; value?: string; valueFrom?: unknown }
interface Manifest {
  apiVersion: string;
  kind: string;
  spec: {
    completions: number;
    parallelism: number;
    completionMode: string;
    template: { spec: { restartPolicy: string; containers: { command: string[]; env?: EnvVar[] }[] } };
  };
}

const manifest = parse(readFileSync('examples/k8s/indexed-job.yaml', 'utf8')) as Manifest;
const container = manifest.spec.template.spec.containers[0];
const script = container.command[2];

/** The run folder (not a shard folder) of `out/default`. */
function runFolder(out: string): string {
  const runs = readdirSync(join(out, 'default')).filter((f) => !f.startsWith('.') && !f.startsWith('shards-'));
  expect(runs).toHaveLength(1);
  return join(out, 'default', runs[0]);
}

const summaryOf = (folder: string) => {
  const doc = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  delete doc.command;
  return JSON.stringify(doc);
};

describe('examples/k8s/indexed-job.yaml', () => {
  it('is an Indexed Job: completions = parallelism = the shard count, the index from JOB_COMPLETION_INDEX', () => {
    expect(manifest.apiVersion).toBe('batch/v1');
    expect(manifest.kind).toBe('Job');
    const { completions, parallelism, completionMode } = manifest.spec;
    expect(completionMode).toBe('Indexed');
    expect(Number.isInteger(completions) && completions > 1).toBe(true);
    expect(parallelism).toBe(completions);
    expect(manifest.spec.template.spec.restartPolicy).toBe('OnFailure'); // a Job's pods may not restart Always
    expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(container.command).toHaveLength(3);
    // Pod k runs shard k + 1 of `completions`.
    expect(script).toContain(`--shard "$((JOB_COMPLETION_INDEX + 1))/${completions}"`);
    // Every other variable of the command is set in the container's env.
    const used = new Set([...script.matchAll(/\$\(?\(?\s*([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    const declared = new Set((container.env ?? []).map((e) => e.name));
    expect([...used].filter((v) => v !== 'JOB_COMPLETION_INDEX' && !declared.has(v))).toEqual([]);
    expect(used.has('JOB_COMPLETION_INDEX')).toBe(true);
  });

  it('its command as `completions` processes (JOB_COMPLETION_INDEX = 0..n-1), then the merge: curves.csv byte-identical to one run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-k8s-'));
    const results = join(root, 'results');
    const patients = '40000'; // 10 blocks over 8 shards
    // The manifest's env values, but a small run into a temporary folder; WORKERS is the pod's CPU request there.
    const env = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    Object.assign(env, { PATIENTS: patients, RESULTS: results, WORKERS: '1' });
    expect(Object.keys(env).sort()).toEqual((container.env ?? []).map((e) => e.name).sort());

    const pods = Array.from({ length: manifest.spec.completions }, (_, k) => k);
    for (let i = 0; i < pods.length; i += 2) { // two at a time: this machine has 2 cores
      await Promise.all(pods.slice(i, i + 2).map((k) =>
        exec(container.command[0], container.command.slice(1), { env: { ...process.env, ...env, JOB_COMPLETION_INDEX: String(k) } })));
    }
    const shardDir = readdirSync(join(results, 'default')).filter((f) => f.startsWith('shards-'));
    expect(shardDir).toHaveLength(1);
    expect(readdirSync(join(results, 'default', shardDir[0]))).toHaveLength(pods.length);

    await exec(process.execPath, ['bin/jaksim.js', 'merge', results, '--out', results]);
    const single = join(root, 'single');
    await exec(process.execPath, ['bin/jaksim.js', 'run', 'scenarios/default.yaml', '--patients', patients, '--workers', '1', '--out', single]);
    const a = runFolder(single);
    const b = runFolder(results);
    expect(readFileSync(join(b, 'curves.csv'), 'utf8')).toBe(readFileSync(join(a, 'curves.csv'), 'utf8'));
    expect(summaryOf(b)).toBe(summaryOf(a));
  });
});
