// The calibration problem: the published points, the simulated (population, drug) arms and the deviance
// objective with its block-coordinate descent (MODEL.md "Trial mode").
import type { Engine } from '../engine/pool.js';
import { moleculeOf } from '../model/catalogRules.js';
import type { Drug, Globals, Population } from '../model/scenario.js';
import { IMPUTATION_LOCF, IMPUTATION_NRI, IMPUTATION_OBSERVED, SELECT_RESPONDERS, THEN_STAY } from '../model/trial.js';
import { weeksToMonths } from '../model/units.js';
import { armLost, armRate, simulateArms, type ArmCounts, type ArmSetup } from './arm.js';
import { aeRates, calibrationModel, durationSubgroup, simulationDrugs, trialPopulation, type CalibrationPoint, type Simulation, type TrialData } from './data.js';
import { pointDeviance } from './likelihood.js';
import { nelderMead } from './nelderMead.js';
import { decode, freeParameters, globalIndices, nestedGlobalIndices, penalty, type Decoded, type FitSwitches, type Parameterisation } from './parameters.js';

/** A simulated arm and the weeks at which it is read (data.ts Simulation). */
export type Combo = Simulation;
export interface CalibrationOptions {
  engine: Engine;
  /** Simulated patients per (population, drug) arm. */
  patients: number;
  seed: number;
  /** Nelder-Mead starts: the heuristic start, then seeded perturbations of it. */
  starts: number;
  /** Objective evaluations of each round of the final joint Nelder-Mead polish. */
  maxEvals: number;
  /** Rounds of the polish, each from a fresh simplex at the best point, until one gains less than POLISH_MIN_GAIN (default 1). */
  polishRounds?: number;
  /** Block-coordinate sweeps per start (default 5). */
  maxSweeps?: number;
  /** Globals not fitted (and the start of those fitted). */
  globals: Globals;
  /**
   * Class tau for drugs without a time course, months. Default: fitted first
   * from the arms of the drugs with a time course alone (see calibrate).
   */
  tauClass?: number;
  /** Override which globals are fitted (default: those the data identify, see paramSpec). */
  fit?: FitSwitches;
  /** Profile-likelihood intervals (mu, taus, class tau, betaVerySevere; default true). */
  profile?: boolean;
  /** Parameter draws from the fitted normal approximation for prediction intervals. */
  draws?: number;
  log?: (message: string) => void;
}


const IMPUTATION_CODE = { nri: IMPUTATION_NRI, locf: IMPUTATION_LOCF, observed: IMPUTATION_OBSERVED };

/** Everything the objective needs, built once from the data. */
export class CalibrationProblem {
  readonly points: CalibrationPoint[];
  readonly params: Parameterisation;
  /** The simulated arms (plain arms, subgroups, re-randomised designs); simulation i uses seed + i. */
  readonly combos: Combo[];
  readonly populations: Record<string, Population>;
  readonly aeRate: Map<string, number>;
  /** Figures of the data left out of the likelihood, with the reason. */
  readonly unused: string[];
  private readonly comboIndex: Map<string, number>;
  evals = 0;

  constructor(readonly data: TrialData, readonly options: CalibrationOptions) {
    const model = calibrationModel(data);
    this.points = model.points;
    this.combos = model.simulations;
    this.unused = model.unused;
    this.comboIndex = new Map(this.combos.map((c, i) => [c.key, i]));
    this.params = freeParameters(this.points, options.fit);
    this.populations = Object.fromEntries(
      [...new Set(this.points.map((p) => p.population))].map((name) => [name, trialPopulation(data.populations[name])]));
    this.aeRate = aeRates(data, this.params.drugs);
  }

  drugOf(d: Decoded, id: string): Drug {
    const drug: Drug = { id, molecule: moleculeOf(id), mu: d.mu.get(id)!, tau: d.tau.get(id)!, aeRate: this.aeRate.get(id)! };
    const escape = d.escapeRate.get(id) ?? 0;
    if (escape > 0) drug.escapeRate = escape;
    return drug;
  }

  /**
   * Simulate the arms at x (all, or those touching `drugs`); arm i always
   * uses seed + i, so every x sees the same draws (common random numbers).
   */
  async simulate(x: number[], drugs?: Set<string>, weeksFor?: (c: Combo) => number[], imputation?: 'nri' | 'locf' | 'observed'): Promise<(ArmCounts | undefined)[]> {
    const d = decode(this.params, x, this.options.globals, this.options.tauClass);
    this.evals++;
    const wanted = this.combos.map((c, i) => {
      const catalog = simulationDrugs(c);
      if (drugs && !catalog.some((id) => drugs.has(id))) return undefined;
      const population = this.populations[c.population];
      const arm: ArmSetup = {
        population: c.durationYears ? durationSubgroup(population, c.durationYears) : population,
        drug: this.drugOf(d, c.drug),
        others: catalog.slice(1).map((id) => this.drugOf(d, id)),
        globals: d.globals,
        weeks: weeksFor ? weeksFor(c) : c.weeks,
        patients: this.options.patients,
        seed: this.options.seed + i,
        imputation: IMPUTATION_CODE[imputation ?? c.imputation],
        design: c.design && { atMonths: weeksToMonths(c.design.atWeek), select: SELECT_RESPONDERS,
          then: c.design.then === 'stay' ? THEN_STAY : catalog.indexOf(c.design.then) },
      };
      return arm;
    });
    // All the arms in one call: one engine task a worker for the whole evaluation.
    const setups = wanted.filter((a): a is ArmSetup => a !== undefined);
    const counts = await simulateArms(this.options.engine, setups);
    let next = 0;
    return wanted.map((a) => (a ? counts[next++] : undefined));
  }

  /** Simulated rates of each point (NaN for points of arms not simulated): SALT <= 20 and <= 10, or lost benefit in sim20. */
  simulatedRates(arms: (ArmCounts | undefined)[]): { sim20: number; sim10: number }[] {
    return this.points.map((p) => {
      let sim20 = 0;
      let sim10 = 0;
      for (const src of p.sources) {
        const arm = arms[this.comboIndex.get(src.sim)!];
        if (!arm) return { sim20: NaN, sim10: NaN };
        const w = arm.weeks.indexOf(p.week);
        const r20 = p.measure === 'lostBenefit' ? armLost(arm, w) : armRate(arm, w, 0, p.bandIndex);
        const r10 = armRate(arm, w, 1, p.bandIndex);
        // No patient selected (possible at extreme parameters): read as rate 0.
        sim20 += src.weight * (r20.n > 0 ? r20.x / r20.n : 0);
        sim10 += src.weight * (r10.n > 0 ? r10.x / r10.n : 0);
      }
      return { sim20, sim10 };
    });
  }

  /**
   * Deviance at x (the objective: minus twice the log-likelihood up to a
   * constant, plus the class-level penalties of parameters.ts), over all
   * points or the points touching `drugs`.
   */
  async deviance(x: number[], drugs?: Set<string>): Promise<number> {
    const rates = this.simulatedRates(await this.simulate(x, drugs));
    let dev = 0;
    this.points.forEach((p, i) => { if (!drugs || p.drugs.some((id) => drugs.has(id))) dev += pointDeviance(p, rates[i].sim20, rates[i].sim10); });
    return dev + penalty(this.params, x, this.options.globals, this.options.tauClass, drugs);
  }

  /** Indices of the fitted globals (log sigma, betaVerySevere, the version-2 globals) in the vector. */
  globalIndices(): number[] {
    return globalIndices(this.params);
  }

  /**
   * Minimise over the globals the deviance with every drug refitted given
   * them (one block sweep from x each time, so it is a fixed function of the
   * globals): Nelder-Mead in 1-2 dimensions. Returns the best full vector.
   */
  async nestedGlobals(x0: number[]): Promise<{ x: number[]; f: number }> {
    const idx = nestedGlobalIndices(this.params);
    let best = { x: x0, f: await this.deviance(x0) };
    // With version-2 globals every refit is a sweep over more arms and longer designs: the block descent's
    // global step and the joint polish search them instead (the nested search would cost tens of thousands of evaluations).
    if (idx.length === 0 || this.params.extraGlobals.length > 0) return best;
    // Refits run at once (a simplex's vertices): the best is the lowest deviance, the earliest call on a tie,
    // as if they had run one after the other.
    const refits: { x: number[]; f: number }[] = [];
    await nelderMead(async (v) => {
      const y = x0.slice();
      idx.forEach((k, n) => { y[k] = v[n]; });
      const call = refits.length;
      refits.push({ x: y, f: Infinity });
      const r = await this.blockDescent(y, 1, true);
      refits[call] = { x: r.x, f: r.f };
      return r.f;
    }, idx.map((k) => x0[k]), { step: idx.map(() => 0.2), maxEvals: 25 * idx.length, fTol: 1e-3, xTol: 5e-3 });
    for (const r of refits) if (r.f < best.f) best = r;
    return best;
  }

  /**
   * Block coordinate descent from x: per drug, Nelder-Mead over its mu (and
   * log tau) on the deviance of the arms it affects (a drug with its own tau
   * also moves the class tau, hence the tied drugs); then betaVerySevere on
   * the whole deviance; sweeps until the deviance falls by less than 0.01.
   * The likelihood is a sum over drugs given the globals, so each step is a
   * small, cheap problem.
   */
  async blockDescent(x0: number[], maxSweeps: number, fixGlobals = false): Promise<{ x: number[]; f: number; sweeps: number; evals: number }> {
    const { params } = this;
    // Its own count: descents from several starts run at once, so this.evals counts them all together.
    let evals = 0;
    const deviance = (y: number[], drugs?: Set<string>) => { evals++; return this.deviance(y, drugs); };
    const x = x0.slice();
    const nd = params.drugs.length;
    // With a fixed class tau, an own tau moves only its own drug's arms.
    const tied = this.options.tauClass === undefined ? params.drugs.filter((d) => !params.ownTau.includes(d) && !params.priorTau.includes(d)) : [];
    // The class escape rate is the geometric mean of the own ones: moving one moves every other drug.
    const escapeTied = params.drugs.filter((d) => params.ownEscape.length && !params.ownEscape.includes(d));
    let f = await deviance(x);
    let sweeps = 0;
    for (; sweeps < maxSweeps; sweeps++) {
      const before = f;
      for (let i = 0; i < nd; i++) {
        const id = params.drugs[i];
        const j = params.ownTau.indexOf(id);
        const jp = params.priorTau.indexOf(id);
        const je = params.ownEscape.indexOf(id);
        const nt = params.ownTau.length;
        const idx = [i, ...(j >= 0 ? [nd + j] : []), ...(jp >= 0 ? [nd + nt + jp] : []), ...(je >= 0 ? [nd + nt + params.priorTau.length + je] : [])];
        const affected = new Set([id, ...(j >= 0 ? tied : []), ...(je >= 0 ? escapeTied : [])]);
        const sub = (v: number[]) => { const y = x.slice(); idx.forEach((k, m) => { y[k] = v[m]; }); return y; };
        const m = await nelderMead((v) => deviance(sub(v), affected), idx.map((k) => x[k]),
          { step: idx.map((k, n) => (k < nd ? 0.25 : je >= 0 && n === idx.length - 1 ? 0.5 : 0.2)), maxEvals: 60 * idx.length, fTol: 1e-4, xTol: 1e-3 });
        idx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      const globalIdx = fixGlobals ? [] : this.globalIndices();
      if (globalIdx.length) {
        const m = await nelderMead((v) => { const y = x.slice(); globalIdx.forEach((k, n) => { y[k] = v[n]; }); return deviance(y); },
          globalIdx.map((k) => x[k]), { step: globalIdx.map(() => 0.25), maxEvals: 40 * globalIdx.length, fTol: 1e-4, xTol: 1e-3 });
        globalIdx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      f = await deviance(x);
      if (before - f < 0.01) { sweeps++; break; }
    }
    return { x, f, sweeps, evals };
  }
}
