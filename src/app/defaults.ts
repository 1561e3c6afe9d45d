// The use cases' defaults that `--help` shows, in a module that imports nothing: the command line's flag
// definitions (cli/options.ts) read them without loading the use cases, the engine or the file readers.

/** Defaults of `jaksim psa`: 1,000 draws of 20,000 patients (well under a minute on 2 cores for the default scenario). */
export const PSA_DEFAULTS = { draws: 1000, patientsPerDraw: 20_000 };

/** Defaults of `jaksim calibrate`: about 3 minutes on 2 cores (docs/calibration.md). */
export const CALIBRATE_DEFAULTS = {
  patients: 8192, seed: 20251008, starts: 3, maxEvals: 400, polishRounds: 4, draws: 20, posteriorProposals: 2000, posteriorDraws: 1000,
  out: 'scenarios/catalog.calibrated.yaml',
  /** Where the posterior draws of the default catalog go; other catalogs get `<catalog>.draws.json` beside them. */
  posteriorOut: 'data/catalog.calibrated.draws.json',
};

/** Default measurement error of a recorded SALT score (MODEL.md), SALT points. */
export const DEFAULT_SD_OBS = 5;

/** Posterior draws of the calibration a prediction runs over by default, when the catalog carries them. */
export const DEFAULT_PARAMETER_DRAWS = 10;
