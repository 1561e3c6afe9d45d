// `jaksim power <scenario>`: power and sample size for comparing switching policies, parallel-group or SMART (issue 7).
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Argv } from 'yargs';
import { armSizes, isNullPlan, runPowerAnalysis, type EndpointKind, type PowerPlan, type PowerResult, type TestName } from '../engine/power.js';
import { Engine } from '../engine/pool.js';
import { UserError } from '../io/errors.js';
import { powerCsv, powerJson, powerReportHtml } from '../io/powerReport.js';
import { writeResultFolder } from '../io/results.js';
import { loadScenario } from '../io/scenario.js';
import { compileScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { calibrationWarning, offDrugNote, offDrugPolicies, uncalibratedDrugs } from '../io/calibrated.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';
import { progressBar } from './progress.js';

/** As main.ts's default: the core count, at most 8. */
const defaultWorkers = (): number => Math.max(1, Math.min(availableParallelism(), 8));

export interface PowerArgs {
  scenario: string;
  design: string;
  arms?: string;
  options?: string;
  decisionMonth?: number;
  compare?: string;
  endpoint: string;
  n: string;
  alpha: number;
  sides: number;
  trials: number;
  test?: string;
  ratio: string;
  target: number;
  seed?: number;
  workers: number;
  out: string;
  json: boolean;
}

/** Largest patients per trial and trials per n accepted (machine protection). */
const MAX_N = 1_000_000;
const MAX_TRIALS = 1_000_000;

function list(flag: string, text: string | undefined): string[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new UserError(`--${flag}: expected a comma-separated list, got "${text ?? ''}"`);
  return items;
}

function policyIndex(s: Scenario, flag: string, id: string): number {
  const i = s.policies.findIndex((p) => p.id === id);
  if (i < 0) throw new UserError(`--${flag}: unknown policy "${id}"; the scenario has ${s.policies.map((p) => p.id).join(', ')}`);
  return i;
}

/** A month that is a visit of the scenario: its 0-based visit index. */
function visitOf(s: Scenario, flag: string, month: number): number {
  const v = month / s.visitEveryMonths;
  const count = Math.floor(s.horizon / s.visitEveryMonths + 1e-9);
  if (!Number.isFinite(month) || Math.abs(v - Math.round(v)) > 1e-9 || Math.round(v) < 1 || Math.round(v) > count) {
    throw new UserError(`${flag}: expected a visit month (a multiple of ${s.visitEveryMonths} from ${s.visitEveryMonths} to ${s.horizon}), got ${month}`);
  }
  return Math.round(v) - 1;
}

/** `cumulative@12`, `point@12`, `nonresponse` (months on non-responding lines, to the horizon). */
export function parseEndpoint(s: Scenario, text: string): PowerPlan['endpoint'] {
  const m = /^(cumulative|point)@(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m) {
    const month = Number(m[2]);
    return { kind: m[1] as EndpointKind, month, label: `${m[1]}@${m[2]}`, visit: visitOf(s, '--endpoint', month) };
  }
  if (/^nonresponse(@horizon)?$/.test(text.trim())) return { kind: 'nonresponse', month: null, label: 'nonresponse', visit: 0 };
  throw new UserError(`--endpoint: expected cumulative@<month>, point@<month> or nonresponse, got "${text}"`);
}

function parseRatio(text: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const a = m ? Number(m[1]) : NaN;
  const b = m ? (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!(a > 0 && b > 0)) throw new UserError(`--ratio: expected arm 1 : arm 2 such as 1:1 or 2:1, got "${text}"`);
  return [a, b];
}

/** Check the user's flags against the scenario and build the plan. @throws UserError */
export function buildPlan(a: PowerArgs, s: Scenario): PowerPlan {
  if (a.design !== 'parallel' && a.design !== 'smart') throw new UserError(`--design: expected parallel or smart, got "${a.design}"`);
  const n = list('n', a.n).map((x) => Number(x));
  for (const x of n) if (!Number.isInteger(x) || x < 4 || x > MAX_N) throw new UserError(`--n: expected whole numbers from 4 to ${MAX_N}, got ${x}`);
  const grid = [...new Set(n)].sort((x, y) => x - y);
  if (!(a.alpha > 0 && a.alpha < 1)) throw new UserError(`--alpha: expected a number between 0 and 1, got ${a.alpha}`);
  if (a.sides !== 1 && a.sides !== 2) throw new UserError(`--sides: expected 1 or 2, got ${a.sides}`);
  if (!Number.isInteger(a.trials) || a.trials < 1 || a.trials > MAX_TRIALS) throw new UserError(`--trials: expected a whole number from 1 to ${MAX_TRIALS}, got ${a.trials}`);
  if (!(a.target > 0 && a.target < 1)) throw new UserError(`--target: expected a power between 0 and 1, got ${a.target}`);
  const endpoint = parseEndpoint(s, a.endpoint);
  const continuous = endpoint.kind === 'nonresponse';
  const smart = a.design === 'smart';
  const test = (a.test ?? (continuous && !smart ? 'welch' : 'z')) as TestName;
  if (!['z', 'fisher', 'newcombe', 'welch'].includes(test)) throw new UserError(`--test: expected z, fisher, newcombe or welch, got "${a.test}"`);
  if (smart && test !== 'z') throw new UserError(`--test: a SMART is analysed by inverse-probability weighting with a sandwich z test; expected z, got "${test}"`);
  if (!smart && continuous && test !== 'welch') throw new UserError(`--test: the end point nonresponse (months) takes Welch's t test; expected welch, got "${test}"`);
  if (!smart && !continuous && test === 'welch') throw new UserError(`--test: Welch's t test is for the end point nonresponse; for ${endpoint.label} expected z, fisher or newcombe`);
  const plan: PowerPlan = {
    design: smart ? 'smart' : 'parallel', scenario: s.name, seed: a.seed ?? s.seed, endpoint, test,
    alpha: a.alpha, sides: a.sides as 1 | 2, trials: a.trials, target: a.target, n: grid,
    arms: [], armIndex: [], ratio: [1, 1], options: [], optionIndex: [], decisionMonth: null, decisionVisit: 0, compare: [0, 1],
  };
  if (!smart) {
    if (a.options !== undefined || a.compare !== undefined || a.decisionMonth !== undefined) {
      throw new UserError('--options, --compare and --decision-month are for --design smart');
    }
    const arms = list('arms', a.arms);
    if (arms.length !== 2) throw new UserError(`--arms: expected two policy ids (the same twice for a null design), got ${arms.length}`);
    plan.arms = arms;
    plan.armIndex = arms.map((id) => policyIndex(s, 'arms', id));
    plan.ratio = parseRatio(a.ratio);
    for (const x of grid) {
      const sizes = armSizes(x, plan.ratio);
      if (Math.min(...sizes) < 2) throw new UserError(`--n: ${x} patients at ratio ${a.ratio} leave ${Math.min(...sizes)} on an arm; expected at least 2 on each`);
    }
    return plan;
  }
  if (a.arms !== undefined) throw new UserError('--arms is for --design parallel; a SMART takes --options (and --compare)');
  if (a.ratio !== '1:1') throw new UserError('--ratio is for --design parallel; a SMART re-randomises with equal probabilities');
  const options = list('options', a.options);
  if (options.length < 2) throw new UserError(`--options: expected at least two policy ids, got ${options.length}`);
  const idx = options.map((id) => policyIndex(s, 'options', id));
  const pols = idx.map((i) => s.policies[i]);
  const firstDrug = pols[0].sequence[0];
  pols.forEach((p, j) => {
    if (p.sequence[0] !== firstDrug) throw new UserError(`--options: every option must start on the same drug; ${options[0]} starts on ${firstDrug}, ${options[j]} on ${p.sequence[0]}`);
  });
  const decisionMonth = a.decisionMonth ?? Math.min(...pols.map((p) => p.failAtMonths));
  const decisionVisit = visitOf(s, '--decision-month', decisionMonth);
  pols.forEach((p, j) => {
    if (p.failAtMonths < decisionMonth) throw new UserError(`--options: ${options[j]} declares failure at ${p.failAtMonths} months, before the decision month ${decisionMonth}`);
    if (p.worseningFromMonths !== undefined && p.worseningFromMonths < decisionMonth) {
      throw new UserError(`--options: ${options[j]} can switch for worsening from month ${p.worseningFromMonths}, before the decision month ${decisionMonth}`);
    }
  });
  const compare = a.compare === undefined ? [options[0], options[1]] : list('compare', a.compare);
  if (compare.length !== 2) throw new UserError(`--compare: expected two of the options, got ${compare.length}`);
  const cmp = compare.map((id) => {
    const j = options.indexOf(id);
    if (j < 0) throw new UserError(`--compare: "${id}" is not one of the options ${options.join(', ')}`);
    return j;
  });
  if (cmp[0] === cmp[1]) throw new UserError(`--compare: expected two different options, got ${compare[0]} twice (list a policy twice in --options for a null design)`);
  Object.assign(plan, { options, optionIndex: idx, decisionMonth, decisionVisit, compare: cmp as [number, number], arms: compare });
  return plan;
}

function formatTable(r: PowerResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    r.design === 'smart'
      ? `SMART ${r.scenario}: ${r.options!.join(' / ')} after non-response at month ${r.decisionMonth}; ${r.compare!.join(' vs ')}, ${r.endpoint}, IPW z test, alpha ${r.alpha} (${r.sides}-sided), ${r.trials} trials per n`
      : `${r.scenario}: ${r.arms.join(' vs ')} (${r.ratio}), ${r.endpoint}, ${r.test} test, alpha ${r.alpha} (${r.sides}-sided), ${r.trials} trials per n`,
    '     n  power (95% MC)          type I error (95% MC)   effect mean (2.5%..97.5%)',
  ];
  for (const p of r.results) {
    lines.push(`${String(p.n).padStart(6)}  ${`${pct(p.power)} (${pct(p.lo)}-${pct(p.hi)})`.padEnd(23)} ${`${pct(p.typeIError)} (${pct(p.typeILo)}-${pct(p.typeIHi)})`.padEnd(23)} ${p.effect.mean.toFixed(3)} (${p.effect.q025.toFixed(3)}..${p.effect.q975.toFixed(3)})`);
  }
  if (r.design === 'smart') {
    const last = r.results[r.results.length - 1];
    lines.push(`Embedded regimes' ${r.endpoint} (IPW, mean over the trials at n = ${last.n}): ${last.means.map((m) => `${m.id} ${m.mean.toFixed(3)}`).join(', ')}`);
  }
  lines.push(r.sampleSize === null
    ? `No n of the grid reaches ${pct(r.target)} power.`
    : `Sample size for ${pct(r.target)} power: n = ${r.sampleSize} (${r.sampleSizeSearch?.note}).`);
  lines.push(`${r.elapsedSeconds.toFixed(1)} s`);
  return lines.map((l) => wrapText(l, TABLE_WIDTH, '  ')).join('\n');
}

export async function powerCommand(a: PowerArgs, out: (t: string) => void, err: (t: string) => void = () => {}): Promise<number> {
  if (!Number.isInteger(a.workers) || a.workers < 1 || a.workers > 64) throw new UserError(`--workers: expected a whole number from 1 to 64, got ${a.workers}`);
  if (a.seed !== undefined && (!Number.isInteger(a.seed) || a.seed < 0)) throw new UserError(`--seed: expected a whole number >= 0, got ${a.seed}`);
  const scenario = loadScenario(a.scenario);
  const plan = buildPlan(a, scenario);
  // Warnings about the policies the trial compares (arms, or the SMART's options).
  const compared = { catalog: scenario.catalog, policies: [...new Set([...plan.armIndex, ...plan.optionIndex])].map((i) => scenario.policies[i]) };
  const warnings = [calibrationWarning(uncalibratedDrugs(compared)), offDrugNote(offDrugPolicies(compared))].filter((w): w is string => w !== null);
  for (const w of warnings) err(wrapText(w, TABLE_WIDTH, '  '));
  const compiled = compileScenario(scenario);
  const engine = new Engine({ workers: a.workers });
  // Progress in simulated patients: every trial at every n of the grid (and its null twin); the sample-size
  // confirmation runs come after, with no ETA since their number depends on the results.
  const perN = isNullPlan(plan) ? 1 : 2;
  const progress = progressBar(!a.json, `${scenario.name} power`, { total: plan.n.reduce((t, n) => t + perN * plan.trials * n, 0) });
  engine.onSimulated = (patients) => progress.add(patients);
  let gridDone = 0;
  let r: PowerResult;
  try {
    r = await runPowerAnalysis(engine, compiled, plan, () => {
      if (++gridDone === plan.n.length) progress.setTotal(undefined, `${scenario.name} power: confirming the sample size`);
    });
  } finally {
    progress.stop();
    await engine.close();
  }
  const command = ['jaksim', ...process.argv.slice(2)].join(' ');
  const folder = writeResultFolder(a.out, scenario.name, {
    'power.json': powerJson(r, command),
    'power.csv': powerCsv(r),
    'report.html': await powerReportHtml(r, command, warnings),
  });
  if (a.json) {
    out(JSON.stringify({ ...r, command }));
  } else {
    out(formatTable(r));
    out(`\nResults: ${relative(process.cwd(), folder) || folder}`);
    out(`Report: ${relative(process.cwd(), join(folder, 'report.html'))}`);
  }
  return 0;
}

/** yargs options of `jaksim power` (registered in main.ts). */
export function withPowerOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
    .option('design', { type: 'string', default: 'parallel', describe: 'parallel or smart' })
    .option('arms', { type: 'string', describe: 'parallel: two policy ids, arm 1,arm 2 (the same twice for a null design)' })
    .option('options', { type: 'string', describe: 'smart: policy ids sharing the first drug, re-randomised among for non-responders' })
    .option('decision-month', { type: 'number', describe: 'smart: month of the re-randomisation (default: the options\' smallest failAtMonths)' })
    .option('compare', { type: 'string', describe: 'smart: the two embedded regimes compared (default: the first two options)' })
    .option('endpoint', { type: 'string', default: 'cumulative@12', describe: 'cumulative@<month>, point@<month> or nonresponse' })
    .option('n', { type: 'string', default: '100,200,300,400', describe: 'comma-separated total sample sizes' })
    .option('alpha', { type: 'number', default: 0.05, describe: 'significance level' })
    .option('sides', { type: 'number', default: 2, describe: '1 (arm 2 better than arm 1) or 2' })
    .option('trials', { type: 'number', default: 2000, describe: 'simulated trials per n' })
    .option('test', { type: 'string', describe: 'z (default), fisher or newcombe; welch for nonresponse' })
    .option('ratio', { type: 'string', default: '1:1', describe: 'parallel: allocation arm 1 : arm 2' })
    .option('target', { type: 'number', default: 0.8, describe: 'target power for the sample size' })
    .option('seed', { type: 'number', describe: 'random seed (default: the scenario\'s)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' });
}
