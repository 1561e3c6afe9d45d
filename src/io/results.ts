// Result folders results/<scenario>/<run-id>/, written atomically: a run's summary.json, curves.csv and comparisons.csv, a sweep's files.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RunResult } from '../engine/summarize.js';
import type { Scenario } from '../model/scenario.js';
import { writeFolderAtomic } from './atomic.js';
import { comparisonsCsv, curvesCsv } from './curveRows.js';
import { sweepReportHtml } from './report.js';
import { sweepComparisonsCsv, sweepCsv, sweepJson, type SweepResult } from './sweepResults.js';

export { comparisonsCsv, curvesCsv };

/** A run id that sorts by time and does not collide with a concurrent run. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // 32 random bits: two runs in one process and second need not differ in anything else. Even on a
  // collision nothing is clobbered: the folder is written under a hidden temporary name and renamed
  // onto the final one, which fails when that folder already holds a run (io/atomic.ts).
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
 * Write a results folder `<outRoot>/<name>/<run-id>/` with the given files,
 * atomically (io/atomic.ts): an interrupted run never leaves a folder that
 * looks finished. Returns the folder's path.
 */
export function writeResultFolder(
  outRoot: string, name: string, files: Record<string, string>, runId = newRunId(),
): string {
  const final = join(outRoot, folderName(name), runId);
  writeFolderAtomic(final, files);
  return final;
}

/** Write a run's folder (summary.json, curves.csv, comparisons.csv when the scenario compares policies, and any `extra` files such as report.html). Returns its path. */
export function writeRunResults(
  outRoot: string, scenario: Scenario, result: RunResult, command: string, runId = newRunId(),
  extra: Record<string, string> = {},
): string {
  const summary = { ...result, command, resolvedScenario: scenario };
  return writeResultFolder(outRoot, scenario.name, {
    'summary.json': JSON.stringify(summary, null, 2) + '\n',
    'curves.csv': curvesCsv(result),
    ...(result.comparisons.length > 0 ? { 'comparisons.csv': comparisonsCsv(result) } : {}),
    ...extra,
  }, runId);
}

/** Write a sweep's folder `<outRoot>/<scenario>/<run-id>/`; returns its path. */
export async function writeSweepResults(outRoot: string, base: Scenario, sweep: SweepResult, command: string): Promise<string> {
  const { sweep: _sweep, ...resolved } = base;
  return writeResultFolder(outRoot, base.name, {
    'sweep.csv': sweepCsv(sweep),
    ...(sweep.points[0].result.comparisons.length > 0 ? { 'comparisons.csv': sweepComparisonsCsv(sweep) } : {}),
    'sweep.json': sweepJson(base, sweep, command),
    'report.html': await sweepReportHtml(sweep, { ...resolved }, command),
  });
}
