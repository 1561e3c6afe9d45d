// The clinic page's Web Worker (bundled by esbuild into dist/clinic/worker.js at build: scripts/bundle-clinic.mjs):
// the form's patient document validated by io/patientFacts.ts and predicted by app/predictCore.ts, the same code
// as `jaksim predict`, each run's blocks summed in block order as the engine sums them (predictSumsHere). Nothing
// here may import node:* (esbuild builds it for the browser and fails on one).
import { UserError } from '../io/errors.js';
import { validatePatient } from '../io/patientFacts.js';
import type { Scenario } from '../model/scenario.js';
import { compilePrediction, planPrediction, predictSumsHere, summarizePrediction, type PredictResult } from './predictCore.js';

/** What the page asks: a scenario, the scenarios run (one per posterior draw, or the scenario itself), the form's patient. */
export interface ClinicRequest {
  scenario: Scenario;
  runs: Scenario[];
  parameterDraws: number;
  patient: unknown;
  draws: number;
  sdObs: number;
  seed: number;
}

export type ClinicReply =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'result'; result: PredictResult }
  | { kind: 'error'; message: string };

/** The prediction of one request; `progress` after each run. @throws UserError for a form the model refuses. */
export function answer(q: ClinicRequest, progress: (done: number, total: number) => void = () => {}): PredictResult {
  const file = 'the form';
  const facts = validatePatient(q.patient, file, q.scenario.catalog.map((d) => d.id));
  const plan = planPrediction(q.scenario, facts, q.sdObs, file);
  const set = { draws: q.draws, sdObs: q.sdObs, seed: q.seed, parameterDraws: q.parameterDraws };
  const accs = q.runs.map((s, k) => {
    const acc = predictSumsHere(compilePrediction(s, q.draws, q.seed), plan.spec);
    progress(k + 1, q.runs.length);
    return acc;
  });
  const outcome = summarizePrediction(q.scenario, plan, accs, set, file);
  if (!outcome.ok) throw new UserError(outcome.reason);
  return outcome.result;
}

/** The worker's global scope, as much of it as is used (the project's TypeScript has no DOM library). */
interface WorkerScope { onmessage: ((e: { data: ClinicRequest }) => void) | null; postMessage(m: ClinicReply): void }

const scope = globalThis as unknown as WorkerScope;
if (typeof scope.postMessage === 'function' && !('process' in globalThis)) {
  scope.onmessage = (e) => {
    try {
      const result = answer(e.data, (done, total) => scope.postMessage({ kind: 'progress', done, total }));
      scope.postMessage({ kind: 'result', result });
    } catch (err) {
      scope.postMessage({ kind: 'error', message: err instanceof UserError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}` });
    }
  };
}
