// The psa use case: draws of the uncertain parameters -> a full run of every policy per draw on the engine ->
// uncertainty intervals, paired-difference distributions, best policy, tornado and value of information.
import { resolve as resolvePath } from 'node:path';
import type { Engine } from '../engine/pool.js';
import { acceptability, netBenefits, spread, summariseDraws, type RunCurves } from '../engine/psaSummary.js';
import { UserError } from '../io/errors.js';
import { calibratedSourceOf, readPosteriorDraws } from '../io/posteriorDraws.js';
import {
  writePsaResults, type PartialInformation, type PsaDrawData, type PsaResult, type Tornado,
} from '../io/psaResults.js';
import { compileScenario, type CompiledScenario } from '../model/compile.js';
import type { Scenario } from '../model/scenario.js';
import { evpi, evppi } from '../stats/voi.js';
import { ENGINE_VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { drawParameters, planPsa, scenarioWith, tornadoSettings, type CalibrationSource, type PsaPlan } from './psaPlan.js';
import { curvesFromUnits, psaCheckpointFolder, psaHash, simulateRuns, unitLayout } from './psaRuns.js';
import { psaShardFolder, readPsaShards, runPsaShard } from './psaShards.js';
import { checkResultsFolder, resolveScenario } from './run.js';
import type { Shard, Stopped } from './shards.js';

export { PSA_DEFAULTS } from './defaults.js';

export interface PsaInputs {
  scenario: string;
  draws: number;
  patientsPerDraw: number;
  seed?: number;
  /** Month of the decision the value of information is about (a visit month; default the horizon). */
  decisionMonth?: number;
  /** Willingness to pay per additional responder (USD): net benefit where every drug has a price. */
  wtp?: number;
  out: string;
  allowLarge?: boolean;
  /** Save each completed (run, block) unit; the same inputs resume a stopped or killed analysis. */
  checkpoint?: boolean;
  /** Simulate only this shard of the (run, block) units and write a partial result. */
  shard?: Shard;
  /** Summarise the shards' partial results in these files or folders instead of simulating. */
  merge?: string[];
  /** With merge: refuse shards started with different psa flags (jaksim merge takes the flags from the shards). */
  mergeSameFlags?: boolean;
}

/** A shard's partial result: the file written, its units, and the folder `--merge` takes. */
export interface PsaShardOutcome { kind: 'shard'; file: string; folder: string; units: number; totalUnits: number }

export interface PsaOutcome {
  kind: 'done';
  scenario: Scenario;
  result: PsaResult;
  data: PsaDrawData;
  folder: string;
}

/** The posterior draws behind the scenario's calibrated catalog, if it has any. */
export function calibrationSourceOf(file: string): CalibrationSource | null {
  const source = calibratedSourceOf(file);
  if (!source?.drawsFile) return null;
  return { drawsFile: source.drawsFile, draws: readPosteriorDraws(source.drawsFile), scenarioGlobals: source.scenarioGlobals };
}

/** `jaksim psa`: simulate every draw (and the tornado's one-way runs) and write `<out>/<scenario>/<run-id>/`. */
export async function runPsa(inputs: PsaInputs, engine: Engine, ctx: AppContext): Promise<PsaOutcome | PsaShardOutcome | Stopped> {
  const { scenario: file, draws, patientsPerDraw: n } = inputs;
  const s = resolveScenario({ scenario: file, seed: inputs.seed, allowLarge: inputs.allowLarge });
  checkResultsFolder(inputs.out, s.name); // shards, checkpoints and results all go under --out
  const plan = planPsa(s, file, calibrationSourceOf(file));
  const values = drawParameters(plan, s.seed, draws);
  const baseValues = plan.parameters.map((p) => p.base);
  const settings = tornadoSettings(plan, values);
  // Every scenario is validated before anything runs: a draw outside a field's range stops the analysis here.
  const runValues = [
    ...values,
    baseValues,
    ...settings.flatMap((t) => [t.low, t.high].map((x) => baseValues.map((b, k) => (k === t.parameter ? x : b)))),
  ];
  const scenarios = runValues.map((v, r) => scenarioWith(plan, file, v, n,
    r < draws ? `draw ${r}` : r === draws ? 'the base run' : `the tornado run of ${plan.parameters[settings[Math.floor((r - draws - 1) / 2)].parameter].path}`));
  const compiled = scenarios.map(compileScenario);
  const c0 = compiled[0];
  const visit = decisionVisit(c0, inputs.decisionMonth);
  if (inputs.wtp !== undefined && !c0.hasCosts) {
    throw new UserError('--wtp: net benefit needs a monthly price for every drug the policies use (catalog[].monthlyPrice); this scenario lacks some');
  }
  const resolved = { ...plan.base, patients: n, uncertainty: { parameters: plan.applied, ...(s.uncertainty?.groups ? { groups: s.uncertainty.groups } : {}) } };
  const hash = psaHash(resolved, runValues, n);
  if (inputs.shard) {
    const analysis = {
      kind: 'psa' as const, scenarioFile: resolvePath(file), draws, patientsPerDraw: n,
      ...(inputs.seed === undefined ? {} : { seed: inputs.seed }),
      ...(inputs.decisionMonth === undefined ? {} : { decisionMonth: inputs.decisionMonth }),
      ...(inputs.wtp === undefined ? {} : { wtp: inputs.wtp }),
    };
    const r = await runPsaShard(compiled, resolved, hash, inputs.shard, inputs.out, engine, ctx, analysis);
    return { kind: 'shard', ...r, folder: psaShardFolder(inputs.out, resolved, hash) };
  }
  let run: Awaited<ReturnType<typeof simulateRuns>>;
  if (inputs.merge) {
    const units = readPsaShards(inputs.merge, hash, unitLayout(compiled).units, inputs.allowLarge, inputs.mergeSameFlags);
    run = { kind: 'done', curves: curvesFromUnits(compiled, units) as RunCurves[], finish: () => {} };
  } else {
    run = await simulateRuns(compiled, engine, ctx, inputs.checkpoint ? { folder: psaCheckpointFolder(inputs.out, resolved, hash), scenario: resolved } : undefined);
  }
  if (run.kind === 'stopped') return run;
  const { curves } = run;
  const drawRuns = curves.slice(0, draws);
  const data: PsaDrawData = { values, runs: drawRuns };
  const result = summarise(plan, s, c0, data, {
    base: curves[draws], tornado: settings.map((t, i) => ({ ...t, lowRun: curves[draws + 1 + 2 * i], highRun: curves[draws + 2 + 2 * i] })),
    visit, wtp: inputs.wtp ?? null, workers: engine.workers,
  });
  const folder = await writePsaResults(inputs.out, resolved, result, data, ctx.command);
  run.finish();
  return { kind: 'done', scenario: resolved, result, data, folder };
}

/** The visit index of the decision month (default: the horizon's visit). @throws UserError for a month off the visit grid. */
function decisionVisit(c: CompiledScenario, month: number | undefined): number {
  if (month === undefined) return c.visitCount - 1;
  const v = Math.round(month / c.visitMonths) - 1;
  if (!(v >= 0 && v < c.visitCount && Math.abs((v + 1) * c.visitMonths - month) < 1e-9)) {
    throw new UserError(`--decision-month: expected a visit month (${c.visitMonths}, ${2 * c.visitMonths}, ... up to ${c.visitCount * c.visitMonths}), got ${month}`);
  }
  return v;
}

interface Extra {
  base: RunCurves;
  tornado: { parameter: number; low: number; high: number; lowRun: RunCurves; highRun: RunCurves }[];
  visit: number;
  wtp: number | null;
  workers: number;
}

/** The groups whose EVPPI is reported: each parameter, each drug's parameters, every calibrated parameter, the scenario's groups. */
export function evppiGroups(plan: PsaPlan): { name: string; paths: string[] }[] {
  const out: { name: string; paths: string[] }[] = plan.parameters.map((p) => ({ name: p.label, paths: [p.path] }));
  const add = (name: string, paths: string[]) => {
    const key = [...paths].sort().join('|');
    if (paths.length > 1 && !out.some((g) => [...g.paths].sort().join('|') === key)) out.push({ name, paths });
  };
  for (const drug of new Set(plan.parameters.map((p) => p.drug).filter((d): d is string => d !== undefined))) {
    add(`${drug} (its parameters)`, plan.parameters.filter((p) => p.drug === drug).map((p) => p.path));
  }
  add('every calibrated parameter', plan.parameters.filter((p) => 'column' in p.source).map((p) => p.path));
  for (const g of plan.groups) out.push({ name: g.name, paths: g.paths });
  return out;
}

function summarise(plan: PsaPlan, s: Scenario, c: CompiledScenario, data: PsaDrawData, x: Extra): PsaResult {
  const n = c.patients;
  const { policies, comparisons, bestPolicy, months } = summariseDraws(s, c, data.runs);
  const ids = s.policies.map((p) => p.id);
  const groups = evppiGroups(plan);
  const column = (path: string) => data.values.map((v) => v[plan.parameters.findIndex((p) => p.path === path)]);
  const information = (nb: Float64Array[]): { evpi: number; evppi: PartialInformation[] } => ({
    evpi: evpi(nb),
    evppi: groups.map((g) => ({ name: g.name, parameters: g.paths, ...evppi(nb, g.paths.map(column)) })),
  });
  const response = information(netBenefits(data.runs, ids.length, x.visit, n, null));
  const priced = x.wtp !== null ? information(netBenefits(data.runs, ids.length, x.visit, n, x.wtp)) : null;
  const horizon = c.visitCount - 1;
  const outcomes = comparisons.length
    ? s.comparisons.map(([a, b], q) => ({ a: a as string | null, b, label: `rate(${b}) - rate(${a})`, of: (r: RunCurves) => (r.bOnly[q][horizon] - r.aOnly[q][horizon]) / n }))
    : ids.map((id, j) => ({ a: null, b: id, label: `rate(${id})`, of: (r: RunCurves) => r.cumulative[j][horizon] / n }));
  const tornado: Tornado[] = outcomes.map((o) => ({
    outcome: o.label, a: o.a, b: o.b, month: months[horizon], base: o.of(x.base),
    bars: x.tornado.map((t) => {
      const p = plan.parameters[t.parameter];
      const low = { value: t.low, outcome: o.of(t.lowRun) };
      const high = { value: t.high, outcome: o.of(t.highRun) };
      return { path: p.path, label: p.label, low, high, swing: Math.abs(high.outcome - low.outcome) };
    }).sort((u, v) => v.swing - u.swing),
  }));
  const notes: string[] = [];
  if (!c.hasCosts) notes.push('Costs: not computed (some drug the policies use has no monthlyPrice): no acceptability curve and no net benefit.');
  else if (x.wtp === null) notes.push('Value of information in net benefit: give --wtp (willingness to pay per additional responder).');
  if (plan.parameters.length === 0) notes.push('No parameter is uncertain: every draw is the same run.');
  return {
    scenario: s.name,
    seed: s.seed,
    draws: data.runs.length,
    patientsPerDraw: n,
    workers: x.workers,
    engineVersion: ENGINE_VERSION,
    horizon: s.horizon,
    visitEveryMonths: s.visitEveryMonths,
    responseThreshold: s.responseThreshold,
    commonRandomNumbers: `Common random numbers within and across draws: every draw (and every tornado run) simulates the same patients, the blocks of seed ${s.seed}, under every policy, so draws differ by their parameters only; the Monte Carlo error of ${n.toLocaleString('en-US')} patients is then shared by all draws rather than averaged out over them.`,
    monteCarlo: 'lo and hi are the 2.5% and 97.5% quantiles over draws; mcHalfWidth is the 95% Monte Carlo half-width of one draw, 1.96 sqrt(mean over draws of p (1 - p) / N) (for a difference, of the paired variance from the discordant patients). With the same patients in every draw it is also about the Monte Carlo error of the mean and of both ends of the interval; when it is small against (hi - lo) / 2, the interval is parameter uncertainty.',
    parameters: plan.parameters.map((p, k) => ({
      path: p.path, label: p.label, distribution: 'column' in p.source ? { from: 'calibration' } : p.source, base: p.base, drawn: spread(data.values.map((v) => v[k])),
    })),
    groups: plan.groups,
    calibration: plan.calibration,
    policies,
    comparisons,
    bestPolicy,
    acceptability: c.hasCosts ? acceptability(ids, data.runs, x.visit, months[x.visit], n, x.wtp) : null,
    tornado,
    voi: {
      decisionMonth: months[x.visit],
      outcome: `cumulative response at ${months[x.visit]} months, per patient`,
      ...response,
      netBenefit: priced && x.wtp !== null ? { wtp: x.wtp, ...priced } : null,
    },
    notes,
  };
}
