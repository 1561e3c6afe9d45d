// Every command's flags (the yargs builders that main.ts registers), kept apart from the commands' code: they
// need only yargs' types and a few defaults, so `jaksim --help`, `jaksim run --help` and the checks of a command
// line load none of the use cases, the engine or the file readers (each command's module is imported once its
// handler runs).
import type { Argv } from 'yargs';
import { CALIBRATE_DEFAULTS, DEFAULT_PARAMETER_DRAWS, DEFAULT_SD_OBS, PSA_DEFAULTS } from '../app/defaults.js';
import { PARTIAL_MAX_BYTES } from '../io/inputFile.js';
import { defaultWorkers } from './flags.js';

/** yargs options that run and sweep share; `what` names what the patients and seed flags apply to. */
export function withScenarioOptions<T>(y: Argv<T>, what: { patients: string; seed: string; json: string }) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
    .option('patients', { type: 'number', describe: `${what.patients} (overrides the scenario)` })
    .option('seed', { type: 'number', describe: `${what.seed} (overrides the scenario)` })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: what.json });
}

/** yargs options of `run <scenario>`. */
export function withRunOptions<T>(y: Argv<T>) {
  return withScenarioOptions(y, { patients: 'patients to simulate', seed: 'random seed', json: 'print the result as one JSON document on stdout' })
    .option('shard', { type: 'string', describe: 'i/n: simulate only shard i of n (blocks b with b mod n = i - 1) and write a partial result for `jaksim merge`' })
    .option('checkpoint', { type: 'boolean', default: false, describe: 'save completed blocks as the run goes; the same command resumes a killed run (or shard)' })
    .option('allow-large', { type: 'boolean', default: false, describe: 'lift the limits that protect the machine (file size, nesting, patients, drugs, policies, visits); see README' })
    .option('months', { type: 'string', describe: 'months of the console tables, e.g. 6,9,12,24 (default: 6, 9, 12, 24 and the horizon)' });
}

/** yargs options of `sweep <scenario>`. */
export function withSweepOptions<T>(y: Argv<T>) {
  return withScenarioOptions(y, { patients: 'patients per grid point', seed: 'random seed of every grid point', json: 'print sweep.json on stdout' })
    .option('set', {
      type: 'string', // repeated --set flags collect into a list; not `array`, which would swallow the scenario
      describe: 'path=v1,v2,...: a field by its path (correlation.rhoClass), its last name where unambiguous (rhoClass), or policy.X for every policy; several give the full grid',
    })
    .option('shard', { type: 'string', describe: 'i/n: simulate only shard i of n of the (grid point, block) units and write partial results for `jaksim merge`' })
    .option('allow-large', { type: 'boolean', default: false, describe: 'lift the limits on scenario size, patients, drugs, visits and grid points' })
    .option('months', { type: 'string', describe: 'months of the console table, e.g. 6,12,24 (default: 12 and the horizon)' });
}

/** yargs options of `merge <partials..>`. */
export function withMergeOptions<T>(y: Argv<T>) {
  return y
    .positional('partials', { type: 'string', array: true, demandOption: true, describe: 'partial result files (*.partial.json), folders holding them (a run\'s or a PSA\'s shards-*), one sweep-shards-* folder, or the --out folder the shards were given' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' })
    .option('allow-large', { type: 'boolean', default: false, describe: `read partial files over ${PARTIAL_MAX_BYTES / 1024 / 1024} MiB, and scenarios beyond the limits of run --allow-large` });
}

/** yargs options of `jaksim bench`. */
export function withBenchOptions<T>(y: Argv<T>) {
  return y
    .option('scenario', { type: 'string', default: 'scenarios/canonical-bench.yaml', describe: 'scenario to time' })
    .option('patients', { type: 'number', describe: 'patients per run (overrides the scenario)' })
    .option('workers', { type: 'string', default: '1,2', describe: 'comma-separated worker counts' })
    .option('repeat', { type: 'number', default: 5, describe: 'timed runs per worker count, after one warm-up' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
    .option('baseline', { type: 'string', describe: 'earlier --json document to compare with' })
    .option('max-regression', { type: 'number', default: 10, describe: 'exit 3 when median patients/s fell by more than this percentage' })
    .option('reference', { type: 'boolean', default: true, describe: 'also time the C reference (bench/reference/canonical.c, canonical scenario, gcc -O2) in alternation; --no-reference skips it' })
    .option('suite', { type: 'boolean', default: false, describe: 'time run, sweep, psa and predict on fixed small inputs (whole commands, in alternation) instead of the scenario' })
    .option('out', { type: 'string', describe: 'with --suite: write bench-suite.json, github-action-benchmark.json and bencher.json to this folder' })
    .option('child', { type: 'number', hidden: true });
}

/** yargs options of `jaksim trial` (registered in main.ts). */
export function withTrialOptions<T>(y: Argv<T>) {
  return y
    .positional('drug', { type: 'string', demandOption: true, describe: 'drug id of the catalog, e.g. baricitinib-4mg' })
    .option('population', { type: 'string', demandOption: true, describe: 'trial population: BRAVE-AA, ALLEGRO, THRIVE-AA or UP-AA' })
    .option('weeks', { type: 'string', default: '12,24,36,52', describe: 'comma-separated assessment weeks' })
    .option('patients', { type: 'number', default: 100_000, describe: 'simulated patients' })
    .option('seed', { type: 'number', default: 20251008, describe: 'random seed' })
    .option('by-baseline', { type: 'string', describe: 'also split by baseline SALT bands, e.g. 50-94,95-100' })
    .option('catalog', { type: 'string', default: 'scenarios/catalog.calibrated.yaml', describe: 'catalog file with the drug parameters' })
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'trial data (populations)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('imputation', { type: 'string', default: 'nri', describe: 'after an adverse-event stop: nri (non-responder), locf or observed' })
    .option('salt', { type: 'string', default: '20,10', describe: 'SALT thresholds to report, e.g. 20,10 (salt20, salt10)' })
    .option('at-week', { type: 'number', describe: 're-randomised design: the week w0 of the re-randomisation (with --select and --then)' })
    .option('select', { type: 'string', describe: 'design: responders or non-responders at w0 (among those still on the drug)' })
    .option('then', { type: 'string', describe: 'design: a catalog drug to move them to, stay or stop' })
    .option('patterns', { type: 'boolean', default: false, describe: 'also report the share of patients with each pattern of response over the weeks' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}

/** yargs options of `jaksim predict` (registered in main.ts). */
export function withPredictOptions<T>(y: Argv<T>) {
  return y
    .positional('patient', { type: 'string', describe: 'patient file (YAML or JSON): salt0, durYears, minoxidil, history' })
    .option('batch', { type: 'string', describe: 'patients CSV (one row per SALT visit, README "Batch predictions"): write DIR/predictions.csv instead' })
    .option('shard', { type: 'string', describe: 'with --batch, i/n: predict only the patients k with k mod n = i - 1 and write a partial result for `jaksim merge`' })
    .option('scenario', { type: 'string', describe: 'scenario whose population and catalog the draws come from (default: the calibrated approved drugs)' })
    .option('draws', { type: 'number', default: 200_000, describe: 'population draws of the importance sample' })
    .option('parameter-draws', { type: 'number', describe: `posterior draws of the calibration the intervals run over (0: point estimates, Monte Carlo intervals only; default ${DEFAULT_PARAMETER_DRAWS} when the catalog has draws, else 0)` })
    .option('sd-obs', { type: 'number', default: DEFAULT_SD_OBS, describe: 'measurement error of a recorded SALT score, SALT points' })
    .option('seed', { type: 'number', default: 20251008, describe: 'random seed' })
    .option('out', { type: 'string', describe: 'write DIR/report.html (curves per option) and DIR/prediction.json (a new folder); with --batch: the folder of predictions.csv or of the shards (default results)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}

/** The page's default population draws: a few seconds in a browser tab with the posterior draws. */
export const CLINIC_DRAWS = 50_000;

export function withClinicOptions<T>(y: Argv<T>) {
  return y
    .option('out', { type: 'string', demandOption: true, describe: 'write DIR/index.html (a new folder): open it in a browser, no server or network needed' })
    .positional('scenarios', { type: 'string', array: true, describe: 'scenario files the page offers besides the default (the calibrated approved drugs)' })
    .option('parameter-draws', { type: 'number', describe: `posterior draws of the calibration the page can include (default ${DEFAULT_PARAMETER_DRAWS} when a scenario's catalog has them)` })
    .option('draws', { type: 'number', default: CLINIC_DRAWS, describe: 'the form\'s default population draws' })
    .option('sd-obs', { type: 'number', default: DEFAULT_SD_OBS, describe: 'the form\'s default measurement error of a SALT score' })
    .option('seed', { type: 'number', default: 20251008, describe: 'the form\'s default seed' });
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

/** yargs options of `psa <scenario>`. */
export function withPsaOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON) with an optional uncertainty: section' })
    .option('draws', { type: 'number', default: PSA_DEFAULTS.draws, describe: 'draws of the uncertain parameters (each a full run of every policy)' })
    .option('patients-per-draw', { type: 'number', default: PSA_DEFAULTS.patientsPerDraw, describe: 'patients simulated per draw (the same patients in every draw)' })
    .option('seed', { type: 'number', describe: 'random seed of the patients and of the parameter draws (overrides the scenario)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('decision-month', { type: 'number', describe: 'visit month of the decision the value of information is about (default: the horizon)' })
    .option('wtp', { type: 'number', describe: 'willingness to pay per additional responder (USD): net benefit, with prices for every drug' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' })
    .option('checkpoint', { type: 'boolean', default: false, describe: 'save completed (draw, block) units as the analysis goes; the same command resumes a killed one' })
    .option('shard', { type: 'string', describe: 'i/n: simulate only shard i of n of the (draw, block) units and write a partial result' })
    .option('merge', { type: 'string', describe: 'the shards\' folder (or partial files): summarise them instead of simulating (same scenario, --draws, --patients-per-draw, --seed)' })
    .option('allow-large', { type: 'boolean', default: false, describe: 'lift the limits on scenario size, draws and patients per draw' });
}

/** yargs options of `jaksim calibrate` (registered in main.ts). */
export function withCalibrateOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'published trial data' })
    .option('out', { type: 'string', default: CALIBRATE_DEFAULTS.out, describe: 'calibrated catalog to write' })
    .option('report-dir', { type: 'string', default: 'reports/calibration', describe: 'folder for report.html and the CSV files' })
    .option('patients', { type: 'number', default: CALIBRATE_DEFAULTS.patients, describe: 'simulated patients per trial arm' })
    .option('seed', { type: 'number', default: CALIBRATE_DEFAULTS.seed, describe: 'random seed (common random numbers across evaluations)' })
    .option('starts', { type: 'number', default: CALIBRATE_DEFAULTS.starts, describe: 'optimiser starts' })
    .option('max-evals', { type: 'number', default: CALIBRATE_DEFAULTS.maxEvals, describe: 'evaluations of the final joint Nelder-Mead polish' })
    .option('draws', { type: 'number', default: CALIBRATE_DEFAULTS.draws, describe: 'parameter draws for the simulated intervals' })
    .option('sweeps', { type: 'number', default: 5, describe: 'block-coordinate sweeps per start' })
    .option('polish-rounds', { type: 'number', default: CALIBRATE_DEFAULTS.polishRounds, describe: 'rounds of the joint polish (each --max-evals, from a fresh simplex; stops when a round gains < 0.5)' })
    .option('profile', { type: 'boolean', default: true, describe: 'profile-likelihood intervals (--no-profile: Wald intervals, faster)' })
    .option('fit-sigma', { type: 'boolean', default: false, describe: 'also fit sigma from the SALT <= 10 / <= 20 pairs (off: see docs/calibration.md)' })
    .option('posterior-proposals', { type: 'number', default: CALIBRATE_DEFAULTS.posteriorProposals, describe: 'proposals of the posterior sample (sampling-importance-resampling; 0: no posterior draws)' })
    .option('posterior-draws', { type: 'number', default: CALIBRATE_DEFAULTS.posteriorDraws, describe: 'posterior draws kept (for jaksim psa: from: calibration)' })
    .option('posterior-out', { type: 'string', describe: `file for the posterior draws (default ${CALIBRATE_DEFAULTS.posteriorOut} for the default catalog, else <catalog>.draws.json)` })
    .option('posterior-patients', { type: 'number', describe: 'simulated patients per trial arm of the posterior\'s likelihood (default --patients, or the catalog\'s with --posterior-only)' })
    .option('posterior-method', { type: 'string', choices: ['regression', 'sir'], default: 'regression', describe: 'posterior sample: regression (the Laplace approximation re-centred and re-scaled by a robust regression of the simulated deviance on the design points; independent draws) or sir (adaptive importance sampling on the raw deviance)' })
    .option('posterior-only', { type: 'boolean', default: false, describe: 'only (re)write the posterior draws of the fitted catalog at --out, at its stored estimate (nothing refitted; the catalog\'s posterior: key is updated)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}

/** yargs options of `jaksim validate` (registered in main.ts). */
export function withValidateOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', default: 'data/trials.json', describe: 'published trial data' })
    .option('catalog', { type: 'string', default: 'scenarios/catalog.calibrated.yaml', describe: 'calibrated catalog to check' })
    .option('report-dir', { type: 'string', default: 'reports/calibration', describe: 'folder for report.html and the CSV files' })
    .option('draws', { type: 'number', default: CALIBRATE_DEFAULTS.draws, describe: 'parameter draws for the simulated intervals' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' });
}
