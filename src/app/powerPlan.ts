// The power use case's inputs: the user's design, end point, test and grid checked against the scenario -> a PowerPlan.
import { UserError } from '../io/errors.js';
import type { EndpointKind, TestName } from '../io/powerReport.js';
import { visitCountOf } from '../model/catalogRules.js';
import type { Scenario } from '../model/scenario.js';

/** A validated power analysis (buildPlan checks the user's input and resolves ids to policy indices). */
export interface PowerPlan {
  design: 'parallel' | 'smart';
  scenario: string;
  seed: number;
  endpoint: { kind: EndpointKind; month: number | null; label: string; visit: number };
  test: TestName;
  alpha: number;
  sides: 1 | 2;
  trials: number;
  target: number;
  n: number[];
  /** Parallel: the two arms' policy ids and indices; allocation ratio arm 1 : arm 2. */
  arms: string[];
  armIndex: number[];
  ratio: [number, number];
  /** SMART: option ids and indices (the embedded regimes), decision month and visit, compared pair (indices into options). */
  options: string[];
  optionIndex: number[];
  decisionMonth: number | null;
  decisionVisit: number;
  compare: [number, number];
}

/** Patients on arm 1 of n under ratio a : b (rounded to the nearest; at least 1 on each arm). */
export function armSizes(n: number, ratio: [number, number]): [number, number] {
  const nA = Math.min(n - 1, Math.max(1, Math.round((n * ratio[0]) / (ratio[0] + ratio[1]))));
  return [nA, n - nA];
}


/** The power analysis as the user asks for it (the flags of `jaksim power`), before validation. */
export interface PowerInputs {
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
}

/** Largest patients per trial and trials per n accepted (machine protection). */
const MAX_N = 1_000_000;
const MAX_TRIALS = 1_000_000;
/** Smallest --alpha: below it the critical value is beyond what a double can tell from 1 - alpha. */
const MIN_ALPHA = 1e-10;
/** Patients simulated for one curve (sum of n times trials; the null design doubles it): run's patient limit. */
const MAX_SIMULATED_PATIENTS = 1e9;

function list(flag: string, text: string | undefined): string[] {
  const items = (text ?? '').split(',').map((s) => s.trim());
  // An empty item ("100,,200" or "a,") is an error, not silently dropped.
  if (items.some((s) => s.length === 0)) throw new UserError(`--${flag}: expected a comma-separated list, got "${text ?? ''}"`);
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
  const count = visitCountOf(s.horizon, s.visitEveryMonths);
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
export function buildPlan(a: PowerInputs, s: Scenario): PowerPlan {
  if (a.design !== 'parallel' && a.design !== 'smart') throw new UserError(`--design: expected parallel or smart, got "${a.design}"`);
  const n = list('n', a.n).map((x) => Number(x));
  for (const x of n) if (!Number.isInteger(x) || x < 4 || x > MAX_N) throw new UserError(`--n: expected whole numbers from 4 to ${MAX_N}, got ${x}`);
  const grid = [...new Set(n)].sort((x, y) => x - y);
  if (!(a.alpha >= MIN_ALPHA && a.alpha < 1)) throw new UserError(`--alpha: expected a number from ${MIN_ALPHA} to below 1, got ${a.alpha}`);
  if (a.sides !== 1 && a.sides !== 2) throw new UserError(`--sides: expected 1 or 2, got ${a.sides}`);
  if (!Number.isInteger(a.trials) || a.trials < 1 || a.trials > MAX_TRIALS) throw new UserError(`--trials: expected a whole number from 1 to ${MAX_TRIALS}, got ${a.trials}`);
  const simulated = grid.reduce((sum, x) => sum + x, 0) * a.trials;
  if (simulated > MAX_SIMULATED_PATIENTS) {
    throw new UserError(`--n and --trials: ${simulated.toExponential(2)} simulated patients per curve (the sum of --n times --trials); at most ${MAX_SIMULATED_PATIENTS.toExponential(0)}, a limit that protects the machine`);
  }
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
  // An id listed twice in --options names two positions (a null design): the second use of it in --compare is the second position.
  const cmp: number[] = [];
  for (const id of compare) {
    const j = options.findIndex((o, k) => o === id && !cmp.includes(k));
    if (j < 0) {
      if (options.includes(id)) throw new UserError(`--compare: expected two different options, got ${id} twice (list it twice in --options for a null design)`);
      throw new UserError(`--compare: "${id}" is not one of the options ${options.join(', ')}`);
    }
    cmp.push(j);
  }
  Object.assign(plan, { options, optionIndex: idx, decisionMonth, decisionVisit, compare: cmp as [number, number], arms: compare });
  return plan;
}
