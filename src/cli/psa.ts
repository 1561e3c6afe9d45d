// `jaksim psa <scenario>`: flags, the engine, the console summary (uncertainty intervals, best policy, VOI, tornado).
import { runPsa } from '../app/psa.js';
import { withEngine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { per100 } from '../io/psaReport.js';
import type { PsaResult } from '../io/psaResults.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, parseShard, repeated } from './flags.js';
import { mergeCommandFor, printFolder, showPath } from './print.js';
import { SIGNAL_EXIT, stopOnSignal } from './run.js';

export interface PsaArgs {
  scenario: string;
  draws: number;
  patientsPerDraw: number;
  seed?: number;
  workers: number;
  json: boolean;
  decisionMonth?: number;
  wtp?: number;
  out: string;
  allowLarge?: boolean;
  checkpoint?: boolean;
  shard?: string;
  merge?: string | string[];
}

/** Most draws and draws x patients without --allow-large. */
export const PSA_LIMITS = { draws: 100_000, patients: 1e9 };

export async function psaCommand(a: PsaArgs, cli: CliContext): Promise<number> {
  const large = a.allowLarge ?? false;
  checkInteger('draws', a.draws, 2, large ? Number.MAX_SAFE_INTEGER : PSA_LIMITS.draws);
  checkInteger('patients-per-draw', a.patientsPerDraw, 1, large ? Number.MAX_SAFE_INTEGER : PSA_LIMITS.patients);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
  if (!large && a.draws * a.patientsPerDraw > PSA_LIMITS.patients) {
    throw new UserError(`--draws x --patients-per-draw: expected at most ${PSA_LIMITS.patients} patients in all (pass --allow-large if you mean it), got ${a.draws * a.patientsPerDraw}`);
  }
  if (a.decisionMonth !== undefined && !(Number.isFinite(a.decisionMonth) && a.decisionMonth > 0)) throw new UserError(`--decision-month: expected a visit month > 0, got ${a.decisionMonth}`);
  if (a.wtp !== undefined && !(Number.isFinite(a.wtp) && a.wtp >= 0)) throw new UserError(`--wtp: expected a number >= 0 (USD per additional responder), got ${a.wtp}`);
  const shard = a.shard === undefined ? undefined : parseShard(String(a.shard));
  const merge = a.merge === undefined ? undefined : repeated(a.merge);
  if (shard && (merge || a.checkpoint)) throw new UserError('--shard: give it without --merge and --checkpoint');
  const started = performance.now();
  const signals = a.checkpoint ? stopOnSignal(cli.io.err) : undefined;
  let outcome;
  try {
    outcome = await cli.withProgress(!a.json, `${a.scenario} psa`, async (ctx) => {
      const o = await withEngine(a.workers, (engine) => runPsa({
        scenario: a.scenario, draws: a.draws, patientsPerDraw: a.patientsPerDraw, seed: a.seed, decisionMonth: a.decisionMonth,
        wtp: a.wtp, out: a.out, allowLarge: a.allowLarge, checkpoint: a.checkpoint, shard, merge,
      }, engine, { ...ctx, log: cli.io.err, shouldStop: () => signals?.signal() != null }));
      ctx.done();
      return o;
    });
  } finally {
    signals?.remove();
  }
  if (outcome.kind === 'stopped') {
    const sig = signals?.signal() ?? 'SIGINT';
    cli.io.err(`jaksim: ${sig}: stopped after ${outcome.saved} of ${outcome.blockCount} (draw, block) units (saved in ${outcome.checkpoint}); run the same command again to resume`);
    return SIGNAL_EXIT[sig] ?? 130;
  }
  if (outcome.kind === 'shard') {
    cli.io.out(`PSA shard ${a.shard}: ${outcome.units} of ${outcome.totalUnits} (draw, block) units -> ${showPath(outcome.file)}`);
    cli.io.out(`Merge once every shard is done: ${mergeCommandFor(outcome.folder, a.out, large)}`);
    return 0;
  }
  printPsaResult(cli, outcome, a.json, performance.now() - started);
  return 0;
}

/** A finished PSA on the console: the JSON document, or the table, the time and the results folder. */
export function printPsaResult(cli: CliContext, outcome: { result: PsaResult; folder: string }, json: boolean, elapsedMs?: number): void {
  if (json) {
    cli.io.out(JSON.stringify(outcome.result));
    return;
  }
  cli.io.out(formatPsaTable(outcome.result));
  if (elapsedMs !== undefined) cli.io.out(`\nTime: ${(elapsedMs / 1000).toFixed(1)} s`);
  printFolder(cli.io, outcome.folder);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
const KEY_MONTHS = [6, 9, 12, 24, 36];

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n');
}

/** The console view of a PSA. */
export function formatPsaTable(r: PsaResult): string {
  const months = r.policies[0].cumulative.map((c) => c.month);
  const visits = months.map((m, v) => (KEY_MONTHS.includes(m) && m < r.horizon) || v === months.length - 1 ? v : -1).filter((v) => v >= 0);
  const head = ['month', ...visits.map((v) => String(months[v]))];
  const out: string[] = [];
  out.push(`${r.scenario}: ${r.draws.toLocaleString('en-US')} draws x ${r.patientsPerDraw.toLocaleString('en-US')} patients, seed ${r.seed}; response = SALT <= ${r.responseThreshold}`);
  out.push(`Uncertain: ${r.parameters.map((p) => p.label).join(', ') || 'nothing'}${r.calibration ? ` (calibrated ones from ${r.calibration.draws} posterior draws, ESS ${r.calibration.ess.toFixed(0)})` : ''}`);
  out.push('');
  out.push('Cumulative response: mean (95% uncertainty interval over draws) ± Monte Carlo half-width of one draw');
  out.push(pad([head, ...r.policies.map((p) => [p.id, ...visits.map((v) => {
    const c = p.cumulative[v];
    return `${pct(c.mean)} (${pct(c.lo)}-${pct(c.hi)}) ±${(100 * c.mcHalfWidth).toFixed(1)}`;
  })])]));
  if (r.comparisons.length) {
    out.push('');
    out.push('Paired difference, points: mean (95% uncertainty interval), P(b better than a)');
    out.push(pad([head, ...r.comparisons.map((c) => [`${c.b} - ${c.a}`, ...visits.map((v) => {
      const d = c.cumulative[v];
      return `${pts(d.mean)} (${pts(d.lo)} to ${pts(d.hi)}) ${d.pBetter.toFixed(2)}`;
    })])]));
  }
  const at = r.bestPolicy.find((b) => b.month === r.voi.decisionMonth)!;
  out.push('');
  out.push(`Probability of being best at ${at.month} months: ${Object.entries(at.probability).map(([id, p]) => `${id} ${p.toFixed(3)}`).join(', ')}`);
  out.push(`Value of information at ${r.voi.decisionMonth} months (responders per 100 patients): EVPI ${per100(r.voi.evpi)}`);
  out.push(pad([['  EVPPI of', 'per 100'], ...r.voi.evppi.map((e) => [`  ${e.name}`, per100(e.value)])]));
  if (r.voi.netBenefit) {
    const nb = r.voi.netBenefit;
    out.push(`Net benefit at $${nb.wtp.toLocaleString('en-US')} per responder: EVPI $${nb.evpi.toFixed(0)} per patient; ${nb.evppi.map((e) => `${e.name} $${e.value.toFixed(0)}`).join(', ')}`);
  }
  for (const t of r.tornado.slice(0, 3)) {
    out.push('');
    out.push(`Tornado: ${t.outcome} at ${t.month} months, ${pts(t.base)} points with every parameter at the scenario's value`);
    out.push(pad([['  parameter', 'at 2.5%', 'at 97.5%', 'swing'], ...t.bars.slice(0, 6).map((b) => [
      `  ${b.label}`, `${b.low.value.toPrecision(3)}: ${pts(b.low.outcome)}`, `${b.high.value.toPrecision(3)}: ${pts(b.high.outcome)}`, (100 * b.swing).toFixed(1)])]));
  }
  for (const note of r.notes) out.push(`\n${note}`);
  return out.join('\n');
}
