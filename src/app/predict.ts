// The predict use case (issue 15): one patient's chances under each next option, by importance sampling from the
// scenario's population conditioned on the patient's covariates and history (MODEL.md "Conditioning on one
// patient's history"; model/predict.ts holds the per-draw code, app/predictCore.ts the summary, the engine
// spreads the draws over its workers). With a calibrated catalog that carries posterior draws, the conditioning
// runs once per posterior draw (same population draws: common random numbers) and the runs are pooled.
import type { Engine, Progress } from '../engine/pool.js';
import { SHIPPED_CATALOG } from '../io/calibrated.js';
import { UserError } from '../io/errors.js';
import { loadPatient, validatePatient } from '../io/patient.js';
import { catalogDrawsFile, readDocument, readPosteriorDraws } from '../io/posteriorDraws.js';
import { DEFAULTS, loadScenario, validateScenario } from '../io/scenario.js';
import type { Scenario } from '../model/scenario.js';
import { SCRIPT_CONTEXT, type AppContext } from './context.js';
import {
  DEFAULT_PARAMETER_DRAWS, compilePrediction, planPrediction, summarizePrediction, type PredictPlan, type PredictResult, type PredictSettings,
} from './predictCore.js';
import { calibrationSourceOf } from './psa.js';
import { planPsa, scenarioWith, type CalibrationSource } from './psaPlan.js';

export {
  DEFAULT_PARAMETER_DRAWS, DEFAULT_SD_OBS, MIN_ESS, RANK_MONTH, type OptionPrediction, type PredictResult, type ResponseAt,
} from './predictCore.js';

export interface PredictInputs {
  /** The patient file; or the parsed document with `patientDoc`. */
  patient: string;
  patientDoc?: unknown;
  /** A scenario file; absent: the shipped calibrated catalog's approved drugs with the default population. */
  scenario?: string;
  /** The scenario itself (scripts and tests), instead of a file: no posterior draws. */
  scenarioValue?: Scenario;
  draws: number;
  sdObs: number;
  seed: number;
  /** Posterior draws of the calibration to run over; 0: the point estimates only; absent: DEFAULT_PARAMETER_DRAWS when the catalog has draws. */
  parameterDraws?: number;
}

/** The scenario predictions draw from: the file, or the default catalog (no policy is simulated). */
export function predictScenario(file: string | undefined): Scenario {
  if (file !== undefined) return loadScenario(file);
  return validateScenario({ policies: [{ id: 'predict', sequence: [DEFAULTS.catalog.drugs[0]] }] }, '(default scenario)');
}

/** The posterior draws behind a scenario file's calibrated catalog, or the shipped catalog's for the default scenario. */
function calibrationFor(file: string | undefined): CalibrationSource | null {
  let scenarioGlobals: string[] = [];
  if (file !== undefined) {
    const own = calibrationSourceOf(file);
    const doc = readDocument(file, 'a readable scenario file') as Record<string, unknown>;
    // An inline catalog has no draws; a scenario without `catalog:` has the shipped catalog's (DEFAULTS.catalog).
    if (own || doc.catalog !== undefined) return own;
    scenarioGlobals = doc.globals !== null && typeof doc.globals === 'object' ? Object.keys(doc.globals) : [];
  }
  const drawsFile = catalogDrawsFile(SHIPPED_CATALOG);
  return drawsFile ? { drawsFile, draws: readPosteriorDraws(drawsFile), scenarioGlobals } : null;
}

/** The scenarios a prediction runs over: the scenario itself, or one per posterior draw used. */
export interface PredictScenarios {
  scenarios: Scenario[];
  /** Posterior draws used (0: the scenario's point estimates) and the file they come from. */
  parameterDraws: number;
  drawsFile: string | null;
}

/**
 * The scenario at `wanted` posterior draws of its calibration (every fitted drug mu and tau and fitted global,
 * jointly, as psa's `catalog: { from: calibration }`): draws floor((k + 1/2) D / K) of the D stored, evenly spread
 * over the file (the stored draws are already a random resample), k = 0..K-1. @throws UserError for draws asked
 * of a catalog that has none.
 */
export function parameterScenarios(s: Scenario, file: string | undefined, wanted: number | undefined, fromValue = false): PredictScenarios {
  const source = wanted === 0 || fromValue ? null : calibrationFor(file);
  if (!source) {
    if (wanted !== undefined && wanted > 0) {
      throw new UserError(`--parameter-draws: ${wanted} posterior draws asked for, but ${file ?? 'the scenario'}'s catalog has no posterior draws (a calibrated catalog file written by jaksim calibrate has them); give --parameter-draws 0`);
    }
    return { scenarios: [s], parameterDraws: 0, drawsFile: null };
  }
  const k = wanted ?? DEFAULT_PARAMETER_DRAWS;
  const label = file ?? '(default scenario)';
  const plan = planPsa({ ...s, uncertainty: { parameters: { catalog: { from: 'calibration' } } } }, label, source);
  const stored = source.draws.draws;
  const scenarios = Array.from({ length: k }, (_, i) => {
    const pick = Math.floor(((i + 0.5) * stored) / k);
    const values = plan.parameters.map((p) => ('column' in p.source ? p.source.column[pick] : p.base));
    return scenarioWith(plan, label, values, s.patients, `posterior draw ${pick}`);
  });
  return { scenarios, parameterDraws: k, drawsFile: source.drawsFile };
}

/** Progress over several runs of `draws` each: the sum of what each has done. */
function progressOver(runs: number, draws: number, onProgress?: Progress): ((k: number) => Progress) | undefined {
  if (!onProgress) return undefined;
  const done = new Array<number>(runs).fill(0);
  return (k) => (d) => {
    done[k] = d;
    onProgress(done.reduce((a, b) => a + b, 0), runs * draws);
  };
}

/** The sums of one patient's prediction under each scenario of `ps` (one run per parameter draw), in that order. */
export async function predictionSums(
  ps: PredictScenarios, plan: PredictPlan, set: PredictSettings, engine: Engine, onProgress?: Progress,
): Promise<Float64Array[]> {
  const progress = progressOver(ps.scenarios.length, set.draws, onProgress);
  return Promise.all(ps.scenarios.map((s, k) => engine.predict(compilePrediction(s, set.draws, set.seed), plan.spec, progress?.(k))));
}

/** `jaksim predict`: the patient's predictions under each option. */
export async function runPredict(a: PredictInputs, engine: Engine, ctx: AppContext = SCRIPT_CONTEXT): Promise<PredictResult> {
  const s = a.scenarioValue ?? predictScenario(a.scenario);
  const ids = s.catalog.map((d) => d.id);
  const facts = a.patientDoc !== undefined ? validatePatient(a.patientDoc, a.patient, ids) : loadPatient(a.patient, ids);
  const plan = planPrediction(s, facts, a.sdObs, a.patient);
  const ps = parameterScenarios(s, a.scenario, a.parameterDraws, a.scenarioValue !== undefined);
  const set = { draws: a.draws, sdObs: a.sdObs, seed: a.seed, parameterDraws: ps.parameterDraws };
  const accs = await predictionSums(ps, plan, set, engine, ctx.onProgress);
  const outcome = summarizePrediction(s, plan, accs, set, a.patient);
  if (!outcome.ok) throw new UserError(outcome.reason);
  return outcome.result;
}
