// Run outputs: results/<scenario>/<run-id>/ with summary.json and curves.csv, written atomically.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../engine/summarize.js';

/** curves.csv: one row per policy and visit month; rates as fractions. */
export function curvesCsv(result: RunResult): string {
  const rows = ['policy,month,cumulative,point,lo,hi,point_lo,point_hi'];
  for (const p of result.policies) {
    p.cumulative.forEach((c, v) => {
      const pt = p.point[v];
      rows.push([p.id, c.month, c.rate, pt.rate, c.lo, c.hi, pt.lo, pt.hi].join(','));
    });
  }
  return rows.join('\n') + '\n';
}

/** A run id that sorts by time and does not collide with a concurrent run. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // 32 random bits: two runs in one process and second need not differ in anything else. Even on a
  // collision nothing is clobbered: the hidden folder is made with mkdir (fails if it exists) and
  // renamed onto the final name, which fails when that folder already holds a run.
  return `${stamp}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Safe folder name for a scenario. */
function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'scenario';
}

/** The folder of a scenario's runs under `outRoot` (also holds its checkpoints). */
export function scenarioFolder(outRoot: string, name: string): string {
  return join(outRoot, folderName(name));
}

/**
 * Write a results folder `<outRoot>/<name>/<run-id>/` with the given files:
 * they go into a hidden `.<run-id>.partial` folder that is renamed into place
 * only when complete, so an interrupted run never leaves a folder that looks
 * finished. Returns the folder's path.
 */
export function writeResultFolder(
  outRoot: string, name: string, files: Record<string, string>, runId = newRunId(),
): string {
  const parent = join(outRoot, folderName(name));
  mkdirSync(parent, { recursive: true });
  const partial = join(parent, `.${runId}.partial`);
  const final = join(parent, runId);
  mkdirSync(partial);
  try {
    for (const [file, text] of Object.entries(files)) writeFileSync(join(partial, file), text);
    renameSync(partial, final);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  return final;
}

/** Write a run's folder (summary.json, curves.csv and any `extra` files such as report.html). Returns its path. */
export function writeRunResults(
  outRoot: string, scenario: Scenario, result: RunResult, command: string, runId = newRunId(),
  extra: Record<string, string> = {},
): string {
  const summary = { ...result, command, resolvedScenario: scenario };
  return writeResultFolder(outRoot, scenario.name, {
    'summary.json': JSON.stringify(summary, null, 2) + '\n',
    'curves.csv': curvesCsv(result),
    ...extra,
  }, runId);
}
