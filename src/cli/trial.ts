// `jaksim trial <drug> --population P`: flags, the engine, the table of response by week.
import { runTrial, type ImputationName, type TrialInputs } from '../app/trial.js';
import { withEngine } from '../engine/pool.js';
import { wrapText } from '../io/columns.js';
import { LIMITS } from '../io/scenario.js';
import type { Rate } from '../stats/intervals.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers } from './flags.js';
import { oneLine } from './tables.js';

export interface TrialArgs extends TrialInputs {
  workers: number;
  json: boolean;
}

const fmt = (r: Rate) => `${(100 * r.rate).toFixed(1)}% (${(100 * r.lo).toFixed(1)}-${(100 * r.hi).toFixed(1)})`;

const IMPUTATION_TEXT: Record<ImputationName, string> = {
  nri: 'non-responder imputation after an adverse-event stop',
  locf: 'last observation carried forward after an adverse-event stop',
  observed: 'patients stopped for an adverse event leave numerator and denominator',
};

export async function trialCommand(a: TrialArgs, cli: CliContext): Promise<number> {
  checkInteger('patients', a.patients, 1, LIMITS.patients);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  checkWorkers(a.workers);
  const r = await cli.withProgress(!a.json, `${a.drug} in ${a.population}`, (ctx) => withEngine(a.workers, (engine) => runTrial(a, engine, ctx)));
  const out = cli.io.out;
  if (a.json) { out(JSON.stringify(r)); return 0; }
  out(wrapText(oneLine(`${r.drug} in the ${r.population} population, ${r.patients.toLocaleString('en-US')} simulated patients (${IMPUTATION_TEXT[r.imputation]})`)));
  if (r.design) {
    out(wrapText(`Re-randomised at week ${r.design.atWeek}: ${r.design.select} still on the drug (${r.design.selected.toLocaleString('en-US')} patients) ${
      r.design.then === 'stay' ? 'stay on it' : r.design.then === 'stop' ? 'stop it' : `move to ${r.design.then}`}; rates among them`));
  }
  const keys = Object.keys(r.weeks[0]).filter((k) => /^salt/.test(k)) as `salt${string}`[];
  const cols = [...keys.map((k) => `SALT <= ${k.slice(4)} (95%)`), ...(r.design ? ['lost benefit (95%)'] : []), ...(r.imputation === 'observed' ? ['observed'] : [])];
  out(`week  ${cols.map((c) => c.padEnd(22)).join(' ').trimEnd()}`);
  const cell = (v: unknown) => (v === null ? '-' : typeof v === 'number' ? String(v) : fmt(v as Rate)).padEnd(22);
  for (const w of r.weeks) {
    const cells = [...keys.map((k) => w[k]), ...(r.design ? [w.lostBenefit] : []), ...(r.imputation === 'observed' ? [w.observed] : [])];
    out(`${String(w.week).padStart(4)}  ${cells.map(cell).join(' ').trimEnd()}`);
    for (const b of w.byBaseline ?? []) out(`        SALT ${b.band.padEnd(7)} ${keys.map((k) => cell(b[k])).join(' ').trimEnd()}  (${b.patients} patients)`);
  }
  if (r.patterns) {
    out(`\nResponse patterns (SALT <= ${keys[0].slice(4)} at weeks ${r.weeks.map((w) => w.week).join(', ')}; 1 = responding)`);
    for (const p of r.patterns) out(`  ${p.pattern}  ${fmt({ rate: p.share, lo: p.lo, hi: p.hi })}`);
  }
  out('Intervals are Monte Carlo (Wilson) intervals of the simulation, not trial sampling intervals.');
  return 0;
}
