// Result folders results/<scenario>/<run-id>/, written atomically: a run's summary.json, curves.csv and comparisons.csv, a sweep's files.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { summarizeRun, type RunResult } from '../engine/summarize.js';
import { compileScenario } from '../model/compile.js';
import { ENGINE_VERSION } from '../version.js';
import { UserError } from './errors.js';
import { ALLOW_LARGE_HINT } from './scenario.js';
import type { Scenario } from '../model/scenario.js';
import { writeFolderAtomic } from './atomic.js';
import type { FileContent } from './atomic.js';
import { comparisonsCsv, curvesCsv } from './curveRows.js';
import { jsonChunks, jsonSizeEstimate } from './jsonStream.js';
import { sweepReportHtml } from './report.js';
import { sweepComparisonsCsv, sweepCsv, sweepJsonChunks, type SweepResult } from './sweepResults.js';

export { comparisonsCsv, curvesCsv };

/** summary.json in pieces: the result document, the command line and the resolved scenario. */
export function* summaryJsonChunks(result: RunResult, command: string, scenario: Scenario): Generator<string> {
  yield* jsonChunks({ ...result, command, resolvedScenario: scenario }, 2);
  yield '\n';
}

/**
 * The largest result document (summary.json, sweep.json) a run or sweep may write, estimated before it
 * simulates: about what the default Node heap holds as results beside the text being written. Documents
 * are written in pieces, so the 512 MiB limit of one string does not apply.
 */
export const OUTPUT_LIMITS = { bytes: 1024 ** 3, largeBytes: 2 * 1024 ** 3 };

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GiB`;

/** Refuse, before any simulation, a document estimated beyond OUTPUT_LIMITS. @throws UserError naming the limit */
export function checkOutputSize(what: string, bytes: number, allowLarge = false): void {
  const limit = allowLarge ? OUTPUT_LIMITS.largeBytes : OUTPUT_LIMITS.bytes;
  if (bytes <= limit) return;
  throw new UserError(`${what} would be about ${gib(bytes)} (estimated before simulating); at most ${gib(limit)}${allowLarge ? ' (the most the results can hold in memory)' : `${ALLOW_LARGE_HINT.replace(')', `, which raises it to ${gib(OUTPUT_LIMITS.largeBytes)})`)}`}: fewer visits, policies or grid points`);
}

/**
 * An upper estimate of the JSON text of the scenario's result document (pretty, nested `level` deep),
 * with `extra` fields beside it. The document is linear in the visit count (each policy's curves and each
 * comparison's differences have one entry per visit; nothing else depends on it), so it is measured on a
 * skeleton of 1 and 2 visits and extrapolated: no document of the full size is built to estimate it.
 */
function resultEstimate(s: Scenario, level: number, extra: Record<string, unknown> = {}): number {
  const measure = (visits: number) => {
    const small = { ...s, horizon: s.visitEveryMonths * visits };
    const c = compileScenario(small);
    const skeleton = summarizeRun(small, c, new Float64Array(c.layout.length), { workers: 1, engineVersion: ENGINE_VERSION });
    return jsonSizeEstimate({ ...skeleton, ...extra }, 2, level);
  };
  const visits = compileScenario(s).layout.visitCount;
  const one = measure(1);
  return one + (visits - 1) * (measure(2) - one);
}

/** An upper estimate of summary.json's size for the scenario (its numbers at their widest). */
export function summaryJsonEstimate(s: Scenario, command: string): number {
  return resultEstimate(s, 0, { command, resolvedScenario: s });
}

/**
 * An upper estimate of sweep.json's size: each grid point's result at its nesting depth (the
 * result of points of one shape is estimated once).
 */
export function sweepJsonEstimate(base: Scenario, points: { values: Record<string, unknown>; scenario: Scenario }[], command: string): number {
  const byShape = new Map<string, number>();
  let total = jsonSizeEstimate({ ...base, command, points: [] }, 2) + 1000;
  for (const [index, p] of points.entries()) {
    const s = p.scenario;
    const shape = JSON.stringify([s.name, s.horizon, s.visitEveryMonths, s.policies.map((q) => [q.id, q.sequence]), s.catalog.map((d) => [d.id, d.monthlyPrice === undefined]), s.comparisons]);
    let result = byShape.get(shape);
    if (result === undefined) {
      result = resultEstimate(s, 3);
      byShape.set(shape, result);
    }
    total += result + jsonSizeEstimate({ index, values: p.values }, 2, 2) + 20;
  }
  return total;
}

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
  outRoot: string, name: string, files: Record<string, FileContent>, runId = newRunId(),
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
  return writeResultFolder(outRoot, scenario.name, {
    'summary.json': summaryJsonChunks(result, command, scenario),
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
    'sweep.json': sweepJsonChunks(base, sweep, command),
    'report.html': await sweepReportHtml(sweep, { ...resolved }, command),
  });
}
