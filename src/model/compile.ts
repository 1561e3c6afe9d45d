// Scenario -> CompiledScenario: every per-run constant computed once (MODEL.md, all sections).
import { visitCountOf } from './catalogRules.js';
import { correlationFactor, correlationMatrix } from './correlation.js';
import type { Scenario } from './scenario.js';
import { aggregateLayout, type AggregateLayout } from './layout.js';

/**
 * Flat numeric form of a scenario for the per-patient loop: plain numbers and
 * typed arrays only, so it crosses to worker threads by structured clone.
 */
export interface CompiledScenario {
  seed: number;
  patients: number;
  drugCount: number;
  // population
  saltBinCum: Float64Array; // cumulative weights, last = 1
  saltBinMin: Float64Array;
  saltBinWidth: Float64Array;
  durLogMedian: number;
  durSdlog: number;
  durMin: number;
  durMax: number;
  minoxidilShare: number;
  worseningShare: number;
  worseningMean: number;
  // globals
  sigma: number;
  k: number;
  kIsTwo: boolean;
  sTau: number;
  /** k sTau, and exp(-k ln tau_d) per drug: (1 / tau)^k = exp(-k sTau W) tau_d^-k (model/population.ts invTauPowerK). */
  kSTau: number;
  tauPowerNegK: Float64Array;
  /** (j visitMonths)^k for j = 0..visitCount + 1 (monthsPowerTable below, read by model/drug.ts monthsPowerK); empty for k = 2. */
  monthsPowerK: Float64Array;
  betaDur: number;
  logRefDur: number;
  betaMinoxidil: number;
  betaVerySevere: number;
  invTauOff: number;
  /**
   * Residual decay after j visit intervals, exp(-(j * visitMonths) / tauOff)
   * for j = 0..visitCount, computed exactly as at a visit (same argument, so
   * the same double): a residual that started at a visit needs no exp.
   * Empty when tauOff is patient-specific (offsetOn).
   */
  residualDecay: Float64Array;
  /** Version 2, patient-specific offset: sTauOff, and whether V is drawn (sTauOff > 0). */
  sTauOff: number;
  offsetOn: boolean;
  // catalog
  mu: Float64Array;
  tau: Float64Array;
  aeRate: Float64Array;
  /** Version 2, loss of response: escape rate per month per drug, and whether X is drawn (some rate > 0). */
  escapeRate: Float64Array;
  escapeOn: boolean;
  /** Molecule of each drug, as an index (doses of one molecule share it). */
  molecule: Int32Array;
  /** Monthly price per catalog drug; 0 where the catalog gives none (then `hasCosts` is false). */
  monthlyPrice: Float64Array;
  /** True when every drug used by a policy has a monthly price: costs are then accumulated. */
  hasCosts: boolean;
  /** Row-major factor C of the correlation matrix: Z = C e. */
  factor: Float64Array;
  // visits
  horizon: number;
  visitMonths: number;
  invVisitMonths: number;
  visitCount: number;
  threshold: number;
  gapMonths: number;
  // policies, flattened
  policyCount: number;
  seqStart: Int32Array;
  seqLength: Int32Array;
  seqDrug: Int32Array;
  /** Per sequence entry: 1 for a dose change (MODEL.md v2: same molecule as the line before, no gap), which keeps the onset clock. */
  seqKeepsClock: Uint8Array;
  failAt: Float64Array;
  /** Fraction of line-start SALT; NaN when the policy has no extension. */
  extendFrac: Float64Array;
  extendTo: Float64Array;
  /** Infinity when the policy has no early-worsening rule. */
  worseFrom: Float64Array;
  worsePoints: Float64Array;
  stayOnLast: Uint8Array;
  /** Version 2: switch a responder whose SALT exceeds threshold + lossMargin (1), or keep them (0). */
  switchOnLoss: Uint8Array;
  lossMargin: Float64Array;
  maxLines: number;
  // paired comparisons, as policy indices
  pairCount: number;
  pairA: Int32Array;
  pairB: Int32Array;
  layout: AggregateLayout;
}

/**
 * MODEL.md "Dose changes": a line on the same molecule as the line before, started with no gap, keeps the
 * molecule's onset clock (its new dose's mu, tau and Z apply from its start).
 */
export function isDoseChange(moleculeBefore: number, molecule: number, gapMonths: number): boolean {
  return moleculeBefore === molecule && gapMonths === 0;
}

/**
 * The table of model/drug.ts monthsPowerK: (j visitMonths)^k for j = 0..visitCount + 1, as exp(k ln(j visitMonths));
 * empty for k = 2 (a multiply).
 */
function monthsPowerTable(k: number, visitMonths: number, visitCount: number): Float64Array {
  if (k === 2) return new Float64Array(0);
  return Float64Array.from({ length: visitCount + 2 }, (_, j) => Math.exp(k * Math.log(j * visitMonths)));
}

/** Compile a validated scenario. Assumes io/scenario.ts has checked it. */
export function compileScenario(s: Scenario): CompiledScenario {
  const drugIndex = new Map(s.catalog.map((d, i) => [d.id, i]));
  const totalWeight = s.population.salt0.reduce((a, b) => a + b.weight, 0);
  let acc = 0;
  const saltBinCum = Float64Array.from(s.population.salt0, (b) => (acc += b.weight / totalWeight));
  saltBinCum[saltBinCum.length - 1] = 1; // guard rounding: u < 1 always finds a bin
  const r = s.correlation.matrix ?? correlationMatrix(
    s.catalog.map((d) => d.molecule), s.correlation.rhoMolecule, s.correlation.rhoClass);
  const moleculeIndex = new Map<string, number>();
  const molecule = Int32Array.from(s.catalog, (d) => {
    if (!moleculeIndex.has(d.molecule)) moleculeIndex.set(d.molecule, moleculeIndex.size);
    return moleculeIndex.get(d.molecule)!;
  });
  const seqDrug: number[] = [];
  const seqStart: number[] = [];
  const seqKeepsClock: number[] = [];
  for (const p of s.policies) {
    seqStart.push(seqDrug.length);
    p.sequence.forEach((id, j) => {
      const d = drugIndex.get(id)!;
      seqKeepsClock.push(j > 0 && isDoseChange(molecule[seqDrug[seqDrug.length - 1]], molecule[d], s.switchGapMonths) ? 1 : 0);
      seqDrug.push(d);
    });
  }
  const sTauOff = s.globals.sTauOff ?? 0;
  const offsetOn = sTauOff > 0;
  const escapeRate = Float64Array.from(s.catalog, (d) => d.escapeRate ?? 0);
  const policyIndex = new Map(s.policies.map((p, i) => [p.id, i]));
  const visitCount = visitCountOf(s.horizon, s.visitEveryMonths);
  const maxLines = Math.max(...s.policies.map((p) => p.sequence.length));
  const invTauOff = 1 / s.globals.tauOff;
  const visitMonths = s.visitEveryMonths;
  const pol = s.policies;
  return {
    seed: s.seed,
    patients: s.patients,
    drugCount: s.catalog.length,
    saltBinCum,
    saltBinMin: Float64Array.from(s.population.salt0, (b) => b.min),
    saltBinWidth: Float64Array.from(s.population.salt0, (b) => b.max - b.min),
    durLogMedian: Math.log(s.population.durYears.median),
    durSdlog: s.population.durYears.sdlog,
    durMin: s.population.durYears.min,
    durMax: s.population.durYears.max,
    minoxidilShare: s.population.minoxidilShare,
    worseningShare: s.population.worseningShare,
    worseningMean: s.population.worseningMean,
    sigma: s.globals.sigma,
    k: s.globals.k,
    kIsTwo: s.globals.k === 2,
    sTau: s.globals.sTau,
    kSTau: s.globals.k * s.globals.sTau,
    tauPowerNegK: Float64Array.from(s.catalog, (d) => Math.exp(-s.globals.k * Math.log(d.tau))),
    monthsPowerK: monthsPowerTable(s.globals.k, visitMonths, visitCount),
    betaDur: s.globals.betaDur,
    logRefDur: Math.log(s.globals.refDurYears),
    betaMinoxidil: s.globals.betaMinoxidil,
    betaVerySevere: s.globals.betaVerySevere,
    invTauOff,
    residualDecay: offsetOn ? new Float64Array(0)
      : Float64Array.from({ length: visitCount + 1 }, (_, j) => Math.exp(-(j * visitMonths) * invTauOff)),
    sTauOff,
    offsetOn,
    mu: Float64Array.from(s.catalog, (d) => d.mu),
    tau: Float64Array.from(s.catalog, (d) => d.tau),
    aeRate: Float64Array.from(s.catalog, (d) => d.aeRate),
    escapeRate,
    escapeOn: escapeRate.some((r) => r > 0),
    molecule,
    monthlyPrice: Float64Array.from(s.catalog, (d) => d.monthlyPrice ?? 0),
    hasCosts: s.policies.every((p) => p.sequence.every((id) => s.catalog[drugIndex.get(id)!].monthlyPrice !== undefined)),
    factor: correlationFactor(r),
    horizon: s.horizon,
    visitMonths,
    invVisitMonths: 1 / visitMonths,
    visitCount,
    threshold: s.responseThreshold,
    gapMonths: s.switchGapMonths,
    policyCount: pol.length,
    seqStart: Int32Array.from(seqStart),
    seqLength: Int32Array.from(pol, (p) => p.sequence.length),
    seqDrug: Int32Array.from(seqDrug),
    seqKeepsClock: Uint8Array.from(seqKeepsClock),
    failAt: Float64Array.from(pol, (p) => p.failAtMonths),
    extendFrac: Float64Array.from(pol, (p) =>
      p.extendIfImprovedPct === undefined ? NaN : p.extendIfImprovedPct / 100),
    extendTo: Float64Array.from(pol, (p) => p.extendToMonths ?? 0),
    worseFrom: Float64Array.from(pol, (p) => p.worseningFromMonths ?? Infinity),
    worsePoints: Float64Array.from(pol, (p) => p.worseningPoints ?? Infinity),
    stayOnLast: Uint8Array.from(pol, (p) => (p.afterLastLine === 'stay' ? 1 : 0)),
    switchOnLoss: Uint8Array.from(pol, (p) => (p.switchOnLoss === true ? 1 : 0)),
    lossMargin: Float64Array.from(pol, (p) => p.lossMarginPoints ?? 0),
    maxLines,
    pairCount: s.comparisons.length,
    pairA: Int32Array.from(s.comparisons, ([a]) => policyIndex.get(a)!),
    pairB: Int32Array.from(s.comparisons, ([, b]) => policyIndex.get(b)!),
    layout: aggregateLayout(pol.length, visitCount, maxLines, s.catalog.length, s.comparisons.length),
  };
}
