// `jaksim calibrate` and `jaksim validate`: flags, the engine, the validation table and the parameters.
import { runCalibration, runPosteriorOnly, type CalibrateInputs } from '../app/calibrate.js';
import { runValidation, type ValidateInputs } from '../app/validate.js';
import type { CalibrationResult } from '../calibration/assess.js';
import { withEngine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { extrapolatedCurves, fitSummary, misfitReason, pct } from '../io/calibrationReport.js';
import { CURVE_WEEKS } from '../calibration/result.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers } from './flags.js';
import { showPath } from './print.js';
import { oneLine } from './tables.js';
import { TABLE_WIDTH, fitTable, wrapText } from '../io/columns.js';

export interface CalibrateArgs extends CalibrateInputs {
  workers: number;
  json: boolean;
  /** Only the posterior draws of the fitted catalog at --out (nothing refitted). */
  posteriorOnly?: boolean;
}

export interface ValidateArgs extends ValidateInputs {
  workers: number;
  json: boolean;
}

export async function calibrateCommand(a: CalibrateArgs, cli: CliContext): Promise<number> {
  checkInteger('patients', a.patients, 100, 10_000_000);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('starts', a.starts, 1, 100);
  checkInteger('max-evals', a.maxEvals, 0, 1_000_000);
  checkInteger('draws', a.draws, 0, 10_000);
  checkInteger('posterior-proposals', a.posteriorProposals, 0, 1_000_000);
  checkInteger('posterior-draws', a.posteriorDraws, 1, 1_000_000);
  checkInteger('sweeps', a.sweeps, 1, 100);
  if (a.posteriorPatients !== undefined) checkInteger('posterior-patients', a.posteriorPatients, 100, 10_000_000);
  checkInteger('polish-rounds', a.polishRounds, 1, 100);
  checkWorkers(a.workers);
  const { io } = cli;
  if (a.posteriorOnly) return posteriorOnlyCommand(a, cli);
  // No ETA (an optimiser's length is not known beforehand); the log lines print above the progress line.
  const { result, catalog, reportFiles, seconds, posterior } = await cli.withProgress(!a.json, 'calibrate', (ctx) => withEngine(a.workers,
    (engine) => runCalibration(a, engine, { ...ctx, log: a.json ? undefined : (m: string) => ctx.note(`calibrate: ${m}`) })));
  if (a.json) {
    io.out(JSON.stringify({ catalog: a.out, report: reportFiles, ...catalog, points: result.points }));
    return 0;
  }
  io.out(formatValidationTable(result));
  io.out('\nParameters (95% interval):');
  const edge = (v: number | null) => (v === null ? 'open' : v.toFixed(3));
  for (const e of result.estimates) io.out(`  ${e.name.padEnd(30)} ${e.estimate.toFixed(3).padStart(8)}  (${edge(e.lo)} to ${edge(e.hi)})${e.kind === 'tied' ? '  tied' : ''}`);
  const open = result.estimates.filter((e) => e.lo === null || e.hi === null).map((e) => e.name);
  if (open.length) io.out(`  open edge (not bounded by the data): ${open.join(', ')}`);
  io.out(`\nCatalog: ${showPath(a.out)}\nReport: ${reportFiles.map(showPath).join(', ')}\nTime: ${seconds.toFixed(1)} s, ${result.evals} objective evaluations`);
  if (posterior) {
    const d = posterior.draws;
    io.out(wrapText(`Posterior draws: ${showPath(posterior.file)}: ${d.draws} draws from ${d.proposals} proposals, effective sample size ${d.ess.toFixed(1)} (largest weight ${(100 * d.maxWeight).toFixed(1)}%); ${posterior.seconds.toFixed(1)} s`));
  }
  return 0;
}

/** `calibrate --posterior-only`: the draws of the catalog at --out, its estimate kept. */
async function posteriorOnlyCommand(a: CalibrateArgs, cli: CliContext): Promise<number> {
  if (a.posteriorProposals < 1) throw new UserError('--posterior-only: --posterior-proposals must be at least 1 (0 writes no draws)');
  const posterior = await cli.withProgress(!a.json, 'calibrate', (ctx) => withEngine(a.workers,
    (engine) => runPosteriorOnly(a, engine, { ...ctx, log: a.json ? undefined : (m: string) => ctx.note(`calibrate: ${m}`) })));
  const d = posterior.draws;
  if (a.json) {
    cli.io.out(JSON.stringify({ catalog: a.out, posterior: posterior.file, draws: d.draws, proposals: d.proposals, ess: d.ess, maxWeight: d.maxWeight, seconds: posterior.seconds }));
    return 0;
  }
  cli.io.out(wrapText(`Posterior draws of ${showPath(a.out)} (estimate kept): ${showPath(posterior.file)}: ${d.draws} draws from ${d.proposals} proposals, effective sample size ${d.ess.toFixed(1)} (largest weight ${(100 * d.maxWeight).toFixed(1)}%); ${posterior.seconds.toFixed(1)} s`));
  return 0;
}

/** Re-assess a stored calibration (its vector, covariance, seed) against the data, without refitting. */
export async function validateCommand(a: ValidateArgs, cli: CliContext): Promise<number> {
  checkInteger('draws', a.draws, 0, 10_000);
  checkWorkers(a.workers);
  const { result, reportFiles } = await cli.withProgress(!a.json, 'validate', (ctx) => withEngine(a.workers, (engine) => runValidation(a, engine, ctx)));
  if (a.json) {
    cli.io.out(JSON.stringify({ report: reportFiles, deviance: result.deviance, df: result.df, pValue: result.pValue, points: result.points }));
    return 0;
  }
  cli.io.out(formatValidationTable(result));
  cli.io.out(`\nReport: ${reportFiles.map(showPath).join(', ')}`);
  return 0;
}

/** Console table: every published point beside its simulated value and interval. */
export function formatValidationTable(r: CalibrationResult): string {
  // Within 100 columns (io/columns.ts): trial names cut at 24 characters (points.csv and the report keep them whole).
  const rows = [['trial', 'drug', 'week', 'band', 'published (95%)', 'simulated (95%)', 'resid', 'ok']];
  for (const p of r.points) {
    const pub = `${pct(p.salt20)} (${pct(p.pub20Lo)}-${pct(p.pub20Hi)})`;
    const sim = `${pct(p.sim20)} (${pct(p.sim20Lo)}-${pct(p.sim20Hi)})`;
    // The band column tells version 2's points apart: lost benefit of a design, a design's SALT <= 20, a subgroup.
    // Trial and drug names come from the data file: control characters shown escaped, one line a row.
    const band = p.measure === 'lostBenefit' ? 'lost' : p.kind === 'maintenance' || p.kind === 'withdrawal' ? 'design' : p.kind === 'subgroup' ? oneLine(p.label.replace('episode ', 'ep')) : p.band;
    rows.push([oneLine(p.trial), oneLine(p.drug), String(p.week), band, pub, sim, p.residual20.toFixed(2), p.withinPublished ? 'yes' : 'NO']);
    if (p.salt10 !== undefined) {
      rows.push(['', '  SALT <= 10', '', '', pct(p.salt10), `${pct(p.sim10)} (${pct(p.sim10Lo)}-${pct(p.sim10Hi)})`, (p.residual10 ?? NaN).toFixed(2), '']);
    }
  }
  const lines = [fitTable(rows, TABLE_WIDTH, { maxLabel: 24, gap: 1, leftAligned: 2 })];
  lines.push('', wrapText(`Fit: ${fitSummary(r)}`, TABLE_WIDTH, '  '));
  for (const p of r.points.filter((q) => !q.withinPublished)) {
    const what = `${p.band === 'all' ? '' : ` band ${p.band}`}${p.label ? ` (${oneLine(p.label)}${p.measure === 'lostBenefit' ? ', lost benefit' : ''})` : ''}`;
    lines.push(wrapText(`  outside: ${oneLine(p.trial)} ${oneLine(p.drug)} week ${p.week}${what}: ${misfitReason(p, r.points)}`, TABLE_WIDTH, '    '));
  }
  const extrapolated = extrapolatedCurves(r);
  if (extrapolated.length) lines.push(wrapText(`Curves to week ${CURVE_WEEKS} (report.html, curves.csv) extrapolated beyond the data: ${extrapolated.join('; ')}`, TABLE_WIDTH, '  '));
  return lines.join('\n');
}
