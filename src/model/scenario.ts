// The validated scenario: MODEL.md's parameters with every default filled in (io/scenario.ts builds it).

/** A uniform bin of baseline SALT, chosen with probability weight / sum of weights. */
export interface SaltBin { min: number; max: number; weight: number }

export interface Population {
  salt0: SaltBin[];
  durYears: { median: number; sdlog: number; min: number; max: number };
  minoxidilShare: number;
  worseningShare: number;
  /** Mean of the exponential worsening rate, SALT points a month. */
  worseningMean: number;
}

export interface Globals {
  sigma: number;
  k: number;
  sTau: number;
  betaDur: number;
  refDurYears: number;
  betaMinoxidil: number;
  betaVerySevere: number;
  /** Months: time scale of the residual effect after a drug stops. */
  tauOff: number;
  /**
   * Version 2, patient-specific offset: tauOff_i = tauOff exp(sTauOff V), V ~ N(0, 1) per patient.
   * Absent or 0: off (every patient decays with tauOff, and V is not drawn).
   */
  sTauOff?: number;
}

export interface Drug {
  id: string;
  /** Doses of one molecule correlate by rhoMolecule, molecules by rhoClass. */
  molecule: string;
  mu: number;
  /** Months. */
  tau: number;
  /** Adverse-event discontinuations per month on drug. */
  aeRate: number;
  /**
   * Version 2, loss of response on drug: rate per month of the escape time X_d, counted from the start of
   * each line on the drug. Absent or 0: no escape (and, when no drug of the catalog has one, X is not drawn).
   */
  escapeRate?: number;
  /** Monthly list price (USD), when known. */
  monthlyPrice?: number;
}

export interface Correlation {
  rhoMolecule: number;
  rhoClass: number;
  /** Explicit matrix over the catalog, in catalog order; overrides the two rhos. */
  matrix?: number[][];
}

export interface Policy {
  id: string;
  sequence: string[];
  failAtMonths: number;
  extendIfImprovedPct?: number;
  extendToMonths?: number;
  worseningFromMonths?: number;
  worseningPoints?: number;
  afterLastLine: 'stop' | 'stay';
  /** Version 2: a responder of the current line whose SALT later exceeds threshold + lossMarginPoints switches. Absent: false. */
  switchOnLoss?: boolean;
  /** SALT points above the response threshold that count as a loss of response (switchOnLoss). Absent: 0. */
  lossMarginPoints?: number;
}

export interface Scenario {
  name: string;
  description?: string;
  seed: number;
  patients: number;
  horizon: number;
  visitEveryMonths: number;
  responseThreshold: number;
  switchGapMonths: number;
  population: Population;
  globals: Globals;
  catalog: Drug[];
  correlation: Correlation;
  policies: Policy[];
  /** Pairs of policy ids [a, b]: the run reports rate(b) - rate(a). */
  comparisons: [string, string][];
  /** Parameter sweep: field path (as in the file, or `policy.X` for every policy) -> values. */
  sweep?: Record<string, unknown[]>;
  /** Parameter uncertainty for `jaksim psa` (ignored by run and sweep). */
  uncertainty?: Uncertainty;
}

/** A distribution of one numeric scenario field: its value in each PSA draw. */
export type ParametricDistribution =
  | { dist: 'fixed'; value?: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'beta'; alpha: number; beta: number }
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'lognormal'; median: number; sdlog: number };

/** A field's distribution, or `from: calibration`: jointly with the others so marked, from the catalog's posterior draws. */
export type UncertainValue = ParametricDistribution | { from: 'calibration' };

/** The `uncertainty:` section: field path -> distribution, and named groups of paths for the value of information. */
export interface Uncertainty {
  /** Absent: rhoClass uniform on [0, 1] and, with a calibrated catalog that has posterior draws, its fitted parameters. */
  parameters?: Record<string, UncertainValue>;
  groups?: Record<string, string[]>;
}
