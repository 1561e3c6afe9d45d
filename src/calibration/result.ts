// The result document of a calibration (calibrate, validate): estimates, points beside simulated rates, curves.
import type { Drug, Globals, Population } from '../model/scenario.js';
import type { CalibrationPoint } from './data.js';
import type { Minimum } from './nelderMead.js';
import type { Parameterisation } from './parameters.js';

export interface PointFit extends CalibrationPoint {
  sim20: number;
  sim10: number;
  /** 95% interval of the simulated rate over parameter uncertainty. */
  sim20Lo: number;
  sim20Hi: number;
  sim10Lo: number;
  sim10Hi: number;
  /** Published 95% Wilson interval (on nEff). */
  pub20Lo: number;
  pub20Hi: number;
  residual20: number;
  residual10?: number;
  withinPublished: boolean;
  deviance: number;
}

export interface ParameterEstimate {
  name: string;
  estimate: number;
  /** 95% interval; null where the profile reaches a search bound without rising by 3.84 (not bounded by the data). */
  lo: number | null;
  hi: number | null;
  /** Standard error on the fitted scale (mu, betaVerySevere: linear; tau: log). */
  se: number;
  kind: 'fitted' | 'tied' | 'fixed';
  note?: string;
}

export interface CalibrationResult {
  dataVersion: string;
  seed: number;
  patients: number;
  params: Parameterisation;
  x: number[];
  /** The objective at x: the data's deviance plus the priors' penalty (priorPenalty). */
  deviance: number;
  /** Of `deviance`, the penalty of the version-2 priors (-2 log prior; 0 without priors). Optional: older results lack it. */
  priorPenalty?: number;
  dataDf: number;
  df: number;
  pValue: number;
  starts: (Minimum & { start: number[] })[];
  evals: number;
  /** Natural vector (mu, log tau, betaVerySevere; names in params.names) and its covariance, from the observed information. */
  covariance: number[][];
  hessianRegularised: boolean;
  estimates: ParameterEstimate[];
  catalog: Drug[];
  globals: Globals;
  points: PointFit[];
  /** Simulated SALT <= 20 (Monte Carlo Wilson interval) and <= 10 by week, per simulated arm. */
  curves: ResponseCurve[];
  /** Class tau used for the drugs without a time course, months. */
  tauClass: number;
  populations: Record<string, Population>;
  /** Figures of the data left out of the likelihood, each with the reason (calibration/data.ts). */
  unused?: string[];
}

export interface ResponseCurve {
  population: string;
  drug: string;
  /** Trial-mode imputation of the curve (MODEL.md version 2): nri, locf or observed. */
  imputation: 'nri' | 'locf' | 'observed';
  /** Last week with a published point of the drug: later weeks are extrapolated by the model. */
  lastPublishedWeek: number;
  weeks: { week: number; salt20: number; lo: number; hi: number; salt10: number; extrapolated: boolean }[];
}

/** Response curves run from week 0 to CURVE_WEEKS in steps of CURVE_STEP_WEEKS (to week 156, the longest follow-up). */
export const CURVE_WEEKS = 156;
export const CURVE_STEP_WEEKS = 4;
