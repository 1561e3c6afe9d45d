// A simulated single-arm trial (MODEL.md "Trial mode"): one drug, a trial population, SALT <= 20 and <= 10 by week and band.
import type { Drug, Globals, Population, Scenario } from '../model/scenario.js';
import { IMPUTATION_OBSERVED, trialLayout, type TrialDesign, type TrialSpec } from '../model/trial.js';
import { weeksToMonths } from '../model/units.js';
import type { Engine } from '../engine/pool.js';
import { BANDS } from './data.js';

export const THRESHOLDS = [20, 10];

/** What one arm simulation needs: population, the one drug, globals, and the Monte Carlo size. */
export interface ArmSetup {
  population: Population;
  drug: Drug;
  globals: Globals;
  weeks: number[];
  patients: number;
  seed: number;
  /** Bands of baseline SALT, [lo, hi) with the last closed; default BANDS. */
  bands?: [number, number][];
  /** Version 2: catalog drugs after the trial drug (a design's target), the imputation (IMPUTATION_*) and a design (months). */
  others?: Drug[];
  imputation?: number;
  design?: TrialDesign;
}

/** Simulated counts of one arm: patients per band and responders [week][threshold][band]. */
export interface ArmCounts {
  weeks: number[];
  bands: [number, number][];
  patientsByBand: number[];
  /** responders[w][t][b], t indexes THRESHOLDS. */
  responders: number[][][];
  /** Under a design: lost benefit [w][b] among the selected patients (else absent). */
  lost?: number[][];
  /** Under the `observed` imputation: patients still observed [w][b], the denominators (else absent). */
  atRisk?: number[][];
}

/**
 * A one-drug scenario over a trial population. The catalog holds only this
 * drug, so the patient draws (and hence common random numbers across
 * parameter values) depend only on the seed and the patient count.
 */
export function armScenario(a: ArmSetup): Scenario {
  return {
    name: `trial-${a.drug.id}`,
    seed: a.seed,
    patients: a.patients,
    horizon: 1,
    visitEveryMonths: 1,
    responseThreshold: 20,
    switchGapMonths: 0,
    population: a.population,
    globals: a.globals,
    catalog: [a.drug, ...(a.others ?? [])],
    correlation: { rhoMolecule: 1, rhoClass: 1 },
    policies: [{ id: 'trial', sequence: [a.drug.id], failAtMonths: 1e9, afterLastLine: 'stay' }],
    comparisons: [],
  };
}

export function armTrialSpec(weeks: number[], bands: [number, number][], v2: Pick<ArmSetup, 'imputation' | 'design'> = {}): TrialSpec {
  const spec: TrialSpec = {
    drug: 0,
    months: Float64Array.from(weeks, weeksToMonths),
    thresholds: Float64Array.from(THRESHOLDS),
    bandLo: Float64Array.from(bands, (b) => b[0]),
    bandHi: Float64Array.from(bands, (b) => b[1]),
  };
  if (v2.imputation !== undefined) spec.imputation = v2.imputation;
  if (v2.design) spec.design = v2.design;
  return spec;
}

/** Unpack the engine's trial counts (model/trial.ts layout); `spec` gives the loss-of-benefit counts of a design. */
export function unpackCounts(counts: Float64Array, weeks: number[], bands: [number, number][], spec?: TrialSpec): ArmCounts {
  const nb = bands.length;
  const nt = THRESHOLDS.length;
  const out: ArmCounts = {
    weeks,
    bands,
    patientsByBand: Array.from({ length: nb }, (_, b) => counts[b]),
    responders: weeks.map((_, w) => THRESHOLDS.map((_, t) => bands.map((_, b) => counts[nb + (w * nt + t) * nb + b]))),
  };
  const layout = spec && trialLayout(spec);
  if (spec?.design) out.lost = weeks.map((_, w) => bands.map((_, b) => counts[layout!.lost + w * nb + b]));
  if (spec?.imputation === IMPUTATION_OBSERVED) out.atRisk = weeks.map((_, w) => bands.map((_, b) => counts[layout!.observed + w * nb + b]));
  return out;
}

/** Simulate arms on the engine, all at once (Engine.trialRuns: the same runTrialBlock / drawPatient as every other run). */
export async function simulateArms(engine: Engine, arms: readonly ArmSetup[]): Promise<ArmCounts[]> {
  const runs = arms.map((a) => ({ scenario: armScenario(a), trial: armTrialSpec(a.weeks, a.bands ?? BANDS, a) }));
  const counts = await engine.trialRuns(runs);
  return counts.map((c, i) => unpackCounts(c, arms[i].weeks, arms[i].bands ?? BANDS, runs[i].trial));
}

/** Patients with lost benefit and patients selected at week index w (a design's arm), over all bands. */
export function armLost(c: ArmCounts, w: number): { x: number; n: number } {
  let x = 0;
  let n = 0;
  for (let b = 0; b < c.bands.length; b++) {
    x += c.lost![w][b];
    n += c.patientsByBand[b];
  }
  return { x, n };
}

/** Responders and patients at week index w, threshold index t, over a band (-1: all bands). */
export function armRate(c: ArmCounts, w: number, t: number, band: number): { x: number; n: number } {
  const denominator = (b: number) => (c.atRisk ? c.atRisk[w][b] : c.patientsByBand[b]);
  if (band >= 0) return { x: c.responders[w][t][band], n: denominator(band) };
  let x = 0;
  let n = 0;
  for (let b = 0; b < c.bands.length; b++) {
    x += c.responders[w][t][b];
    n += denominator(b);
  }
  return { x, n };
}

/** Simulate one arm (simulateArms of one). */
export async function simulateArm(engine: Engine, a: ArmSetup): Promise<ArmCounts> {
  return (await simulateArms(engine, [a]))[0];
}
