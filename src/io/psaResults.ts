// The files of `jaksim psa` (the document: io/psaDocument.ts): psa.json, psa.csv (tidy: one row per draw,
// policy and month), psa-parameters.csv (one row per draw) and report.html, written as one folder atomically.
import type { Scenario } from '../model/scenario.js';
import { csvDocument } from './csv.js';
import { jsonChunks } from './jsonStream.js';
import type { PsaDrawData, PsaResult } from './psaDocument.js';
import { psaReportHtml } from './psaReport.js';
import { writeResultFolder } from './results.js';

export type * from './psaDocument.js';

/** psa.csv: draw, policy, month, cumulative, point (fractions) and, with prices, the drug cost per patient over the horizon. */
export function psaCsv(r: PsaResult, data: PsaDrawData): string {
  const priced = r.policies.every((p) => p.cost !== null);
  const n = r.patientsPerDraw;
  const rows: (string | number)[][] = [];
  data.runs.forEach((run, d) => {
    r.policies.forEach((p, j) => {
      run.cumulative[j].forEach((count, v) => {
        const row: (string | number)[] = [d, p.id, p.cumulative[v].month, count / n, run.point[j][v] / n];
        if (priced) row.push(run.cost[j] / n);
        rows.push(row);
      });
    });
  });
  return csvDocument(['draw', 'policy', 'month', 'cumulative', 'point', ...(priced ? ['cost_per_patient'] : [])], rows);
}

/** psa-parameters.csv: one row per draw, one column per uncertain parameter (named by its path). */
export function psaParametersCsv(r: PsaResult, data: PsaDrawData): string {
  return csvDocument(['draw', ...r.parameters.map((p) => p.path)], data.values.map((v, d) => [d, ...v]));
}

/** psa.json in pieces (it can outgrow one string): the result document with the command and the resolved scenario. */
export function* psaJsonChunks(r: PsaResult, scenario: Scenario, command: string): Generator<string> {
  yield* jsonChunks({ ...r, command, resolvedScenario: scenario }, 2);
  yield '\n';
}

/** Write `<out>/<scenario>/<run-id>/` with psa.json, psa.csv, psa-parameters.csv and report.html; returns its path. */
export async function writePsaResults(outRoot: string, scenario: Scenario, r: PsaResult, data: PsaDrawData, command: string): Promise<string> {
  return writeResultFolder(outRoot, scenario.name, {
    'psa.json': psaJsonChunks(r, scenario, command),
    'psa.csv': psaCsv(r, data),
    'psa-parameters.csv': psaParametersCsv(r, data),
    'report.html': await psaReportHtml(r, data, scenario, command),
  });
}
