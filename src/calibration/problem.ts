// The calibration problem: the published points, the simulated (population, drug) arms and the deviance
// objective with its block-coordinate descent (MODEL.md "Trial mode").
import type { Engine } from '../engine/pool.js';
import { moleculeOf } from '../model/catalogRules.js';
import type { Drug, Globals, Population } from '../model/scenario.js';
import { armRate, simulateArm, type ArmCounts } from './arm.js';
import { aeRates, calibrationPoints, trialPopulation, type CalibrationPoint, type TrialData } from './data.js';
import { pointDeviance } from './likelihood.js';
import { nelderMead } from './nelderMead.js';
import { decode, freeParameters, sigmaIndex, type Decoded, type Parameterisation } from './parameters.js';

/** A simulated (population, drug) pair and the weeks at which it is read. */
export interface Combo { population: string; drug: string; weeks: number[] }

export interface CalibrationOptions {
  engine: Engine;
  /** Simulated patients per (population, drug) arm. */
  patients: number;
  seed: number;
  /** Nelder-Mead starts: the heuristic start, then seeded perturbations of it. */
  starts: number;
  /** Objective evaluations of the final joint Nelder-Mead polish. */
  maxEvals: number;
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
  fit?: { betaVerySevere?: boolean; sigma?: boolean };
  /** Profile-likelihood intervals (mu, taus, class tau, betaVerySevere; default true). */
  profile?: boolean;
  /** Parameter draws from the fitted normal approximation for prediction intervals. */
  draws?: number;
  log?: (message: string) => void;
}


/** Everything the objective needs, built once from the data. */
export class CalibrationProblem {
  readonly points: CalibrationPoint[];
  readonly params: Parameterisation;
  readonly combos: Combo[];
  readonly populations: Record<string, Population>;
  readonly aeRate: Map<string, number>;
  evals = 0;

  constructor(readonly data: TrialData, readonly options: CalibrationOptions) {
    this.points = calibrationPoints(data);
    this.params = freeParameters(this.points, options.fit);
    const combos = new Map<string, Combo>();
    for (const p of this.points) {
      const key = `${p.population}|${p.drug}`;
      const c = combos.get(key) ?? { population: p.population, drug: p.drug, weeks: [] };
      if (!c.weeks.includes(p.week)) c.weeks.push(p.week);
      combos.set(key, c);
    }
    this.combos = [...combos.values()];
    for (const c of this.combos) c.weeks.sort((a, b) => a - b);
    this.populations = Object.fromEntries(
      [...new Set(this.points.map((p) => p.population))].map((name) => [name, trialPopulation(data.populations[name])]));
    this.aeRate = aeRates(data, this.params.drugs);
  }

  drugOf(d: Decoded, id: string): Drug {
    return { id, molecule: moleculeOf(id), mu: d.mu.get(id)!, tau: d.tau.get(id)!, aeRate: this.aeRate.get(id)! };
  }

  /**
   * Simulate the (population, drug) arms at x (all, or those of `drugs`);
   * arm i always uses seed + i, so every x sees the same draws.
   */
  async simulate(x: number[], drugs?: Set<string>, weeksFor?: (c: Combo) => number[]): Promise<(ArmCounts | undefined)[]> {
    const d = decode(this.params, x, this.options.globals, this.options.tauClass);
    this.evals++;
    return Promise.all(this.combos.map((c, i) => (drugs && !drugs.has(c.drug) ? undefined : simulateArm(this.options.engine, {
      population: this.populations[c.population],
      drug: this.drugOf(d, c.drug),
      globals: d.globals,
      weeks: weeksFor ? weeksFor(c) : c.weeks,
      patients: this.options.patients,
      seed: this.options.seed + i,
    }))));
  }

  /** Simulated SALT <= 20 and <= 10 rates of each point (NaN for points of arms not simulated). */
  simulatedRates(arms: (ArmCounts | undefined)[]): { sim20: number; sim10: number }[] {
    const index = new Map(this.combos.map((c, i) => [`${c.population}|${c.drug}`, i]));
    return this.points.map((p) => {
      const arm = arms[index.get(`${p.population}|${p.drug}`)!];
      if (!arm) return { sim20: NaN, sim10: NaN };
      const w = arm.weeks.indexOf(p.week);
      const r20 = armRate(arm, w, 0, p.bandIndex);
      const r10 = armRate(arm, w, 1, p.bandIndex);
      return { sim20: r20.x / r20.n, sim10: r10.x / r10.n };
    });
  }

  /**
   * Deviance at x (the objective: minus twice the log-likelihood up to a
   * constant), over all points or the points of `drugs`.
   */
  async deviance(x: number[], drugs?: Set<string>): Promise<number> {
    const rates = this.simulatedRates(await this.simulate(x, drugs));
    let dev = 0;
    this.points.forEach((p, i) => { if (!drugs || drugs.has(p.drug)) dev += pointDeviance(p, rates[i].sim20, rates[i].sim10); });
    return dev;
  }

  /** Indices of the fitted globals (log sigma, betaVerySevere) in the vector. */
  globalIndices(): number[] {
    return [sigmaIndex(this.params), this.params.fitBetaVerySevere ? this.params.names.length - 1 : -1].filter((i) => i >= 0);
  }

  /**
   * Minimise over the globals the deviance with every drug refitted given
   * them (one block sweep from x each time, so it is a fixed function of the
   * globals): Nelder-Mead in 1-2 dimensions. Returns the best full vector.
   */
  async nestedGlobals(x0: number[]): Promise<{ x: number[]; f: number }> {
    const idx = this.globalIndices();
    let best = { x: x0, f: await this.deviance(x0) };
    if (idx.length === 0) return best;
    await nelderMead(async (v) => {
      const y = x0.slice();
      idx.forEach((k, n) => { y[k] = v[n]; });
      const r = await this.blockDescent(y, 1, true);
      if (r.f < best.f) best = { x: r.x, f: r.f };
      return r.f;
    }, idx.map((k) => x0[k]), { step: idx.map(() => 0.2), maxEvals: 25 * idx.length, fTol: 1e-3, xTol: 5e-3 });
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
  async blockDescent(x0: number[], maxSweeps: number, fixGlobals = false): Promise<{ x: number[]; f: number; sweeps: number }> {
    const { params } = this;
    const x = x0.slice();
    const nd = params.drugs.length;
    // With a fixed class tau, an own tau moves only its own drug's arms.
    const tied = this.options.tauClass === undefined ? params.drugs.filter((d) => !params.ownTau.includes(d)) : [];
    let f = await this.deviance(x);
    let sweeps = 0;
    for (; sweeps < maxSweeps; sweeps++) {
      const before = f;
      for (let i = 0; i < nd; i++) {
        const id = params.drugs[i];
        const j = params.ownTau.indexOf(id);
        const idx = j >= 0 ? [i, nd + j] : [i];
        const affected = new Set(j >= 0 ? [id, ...tied] : [id]);
        const sub = (v: number[]) => { const y = x.slice(); idx.forEach((k, m) => { y[k] = v[m]; }); return y; };
        const m = await nelderMead((v) => this.deviance(sub(v), affected), idx.map((k) => x[k]),
          { step: idx.map((k) => (k < nd ? 0.25 : 0.2)), maxEvals: 60 * idx.length, fTol: 1e-4, xTol: 1e-3 });
        idx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      const globalIdx = fixGlobals ? [] : this.globalIndices();
      if (globalIdx.length) {
        const m = await nelderMead((v) => { const y = x.slice(); globalIdx.forEach((k, n) => { y[k] = v[n]; }); return this.deviance(y); },
          globalIdx.map((k) => x[k]), { step: globalIdx.map(() => 0.25), maxEvals: 40 * globalIdx.length, fTol: 1e-4, xTol: 1e-3 });
        globalIdx.forEach((k, n) => { x[k] = m.x[n]; });
      }
      f = await this.deviance(x);
      if (before - f < 0.01) { sweeps++; break; }
    }
    return { x, f, sweeps };
  }
}
