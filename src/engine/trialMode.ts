// Trial mode on the engine (MODEL.md "Trial mode, version 2"): run a TrialSpec over every block, read the merged counts.
import type { CompiledScenario } from '../model/compile.js';
import { IMPUTATION_OBSERVED, trialLayout, type TrialLayout, type TrialSpec } from '../model/trial.js';
import type { Engine } from './pool.js';

/** A count and its denominator. */
export interface Count { x: number; n: number }

/** Merged trial counts with readers; `band` -1 pools every band of the spec. */
export class TrialCounts {
  readonly layout: TrialLayout;

  constructor(readonly spec: TrialSpec, readonly counts: Float64Array) {
    this.layout = trialLayout(spec);
  }

  /** Sum over one band, or over all of them (band -1), of the count at `at + b`. */
  private pooled(at: number, band: number): number {
    if (band >= 0) return this.counts[at + band];
    let x = 0;
    for (let b = 0; b < this.layout.bands; b++) x += this.counts[at + b];
    return x;
  }

  /** Patients counted (the selected ones under a design). */
  patients(band = -1): number {
    return this.pooled(0, band);
  }

  /** The denominator at assessment i: the patients counted, or under `observed` those still observed then. */
  atRisk(i: number, band = -1): number {
    const lay = this.layout;
    return this.spec.imputation === IMPUTATION_OBSERVED ? this.pooled(lay.observed + i * lay.bands, band) : this.patients(band);
  }

  /** SALT <= thresholds[j] at assessment i. */
  response(i: number, j: number, band = -1): Count {
    const lay = this.layout;
    return { x: this.pooled(lay.responders + (i * lay.thresholds + j) * lay.bands, band), n: this.atRisk(i, band) };
  }

  /** Loss of benefit at assessment i (a design's spec only). */
  lostBenefit(i: number, band = -1): Count {
    const lay = this.layout;
    return { x: this.pooled(lay.lost + i * lay.bands, band), n: this.atRisk(i, band) };
  }

  /**
   * Patients by response pattern (a spec with `patterns`): `pattern` has one character per assessment
   * in the spec's order, 1 = SALT <= thresholds[0] there. Patterns nobody has are left out; n is the
   * number of patients with a pattern (under `observed`, those observed at every assessment).
   */
  patterns(band = -1): { pattern: string; x: number; n: number }[] {
    const lay = this.layout;
    const byIndex: number[] = [];
    for (let k = 0; k < lay.patternCount; k++) {
      let x = 0;
      for (let b = 0; b < lay.bands; b++) if (band < 0 || b === band) x += this.counts[lay.patterns + b * lay.patternCount + k];
      byIndex.push(x);
    }
    const n = byIndex.reduce((a, b) => a + b, 0);
    const text = (k: number) => Array.from({ length: lay.times }, (_, i) => ((k >> i) & 1 ? '1' : '0')).join('');
    return byIndex.flatMap((x, k) => (x > 0 ? [{ pattern: text(k), x, n }] : []))
      .sort((a, b) => (a.pattern < b.pattern ? -1 : 1));
  }
}

/** Run trial mode for the compiled scenario's patients (the same runTrialBlock as every trial-mode run). */
export async function simulateTrialCounts(engine: Engine, c: CompiledScenario, spec: TrialSpec): Promise<TrialCounts> {
  return new TrialCounts(spec, await engine.trial(c, spec));
}
