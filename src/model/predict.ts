// Prediction for one patient (MODEL.md "Conditioning on one patient's history"): a population draw given the
// patient's covariates, followed through the recorded regimen of (drug, start, stop) lines with the course code
// of trial mode (model/trial.ts TrialCourse), weighted by the likelihood of the recorded SALT scores, then
// followed under each option from `now` to the horizon.
import { isDoseChange, type CompiledScenario } from './compile.js';
import { fixCovariates, type Patient } from './population.js';
import { TrialCourse } from './trial.js';

/** Weighted histogram of predicted SALT: bins of one SALT point, [0, 1), ..., [99, 100]. */
export const SALT_BINS = 100;

/** An option's drug: OPTION_CONTINUE keeps the running line; a catalog index stops it at `now` and starts that drug. */
export const OPTION_CONTINUE = -1;

/** One patient's facts as plain numbers (they cross to worker threads). Months since the first drug. */
export interface PredictSpec {
  salt0: number;
  durYears: number;
  minoxidil: number;
  /** The history's lines in time order: catalog drug, start, stop (Infinity: still running at `now`; the last line only). */
  lineDrug: Int32Array;
  lineStart: Float64Array;
  lineStop: Float64Array;
  /**
   * Per catalog drug: the adverse-event time A_d where a line on d stopped for an adverse event (that line's
   * months on d), else NaN; and the months on d that A_d must exceed (the longest line on d that did not stop
   * for an adverse event, 0 for none). A_d is then drawn as that plus the population's exponential (memoryless:
   * exactly the population's law given A_d beyond it; the constant factors of the weights cancel).
   */
  aeFixed: Float64Array;
  aeAtLeast: Float64Array;
  /**
   * Times looked at on each line, in time order: line l holds probes probeFrom[l] to probeFrom[l + 1] - 1.
   * probeValue: a recorded SALT score, or NaN for a monthly visit of the last line before `now`
   * (a response there means the patient has responded already: see `open` below).
   */
  probeFrom: Int32Array;
  probeTime: Float64Array;
  probeValue: Float64Array;
  /** End of the history. */
  now: number;
  /** Measurement error of a recorded SALT score, SALT points. */
  sdObs: number;
  /** Per option: OPTION_CONTINUE or the catalog drug started at `now`. */
  optionDrug: Int32Array;
  /** Monthly visits after `now`: now + 1, ..., now + months. */
  months: number;
}

/**
 * Where the weighted sums sit:
 *   [0] sum w, [1] sum w^2, [2] sum w and [3] sum w^2 of the `open` draws (no response at the last line's visits so far)
 *   per option o, from optionBase(o):
 *     first[months + 1]      weight by first responding visit j (index j - 1; index `months`: none)
 *     firstOpen[months + 1]  the same among the open draws
 *     salt[months][SALT_BINS] weight by SALT at each visit
 */
export interface PredictLayout { months: number; options: number; first: number; firstOpen: number; salt: number; stride: number; length: number }

export function predictLayout(s: PredictSpec): PredictLayout {
  const months = s.months;
  const first = 0;
  const firstOpen = months + 1;
  const salt = 2 * (months + 1);
  const stride = salt + months * SALT_BINS;
  const options = s.optionDrug.length;
  return { months, options, first, firstOpen, salt, stride, length: 4 + options * stride };
}

/** Offset of option o's sums. */
export function optionBase(lay: PredictLayout, o: number): number {
  return 4 + o * lay.stride;
}

/** Scratch of one block: the course through the history, and its copy followed under each option. */
export class PredictScratch {
  readonly history = new TrialCourse({ months: new Float64Array(0) });
  readonly future = new TrialCourse({ months: new Float64Array(0) });
}

/**
 * Add one drawn patient (p, drawn from the scenario's population) to `acc`: its covariates are replaced by
 * the patient's, its adverse-event times set as the history says, its course followed through the history
 * (likelihood of the recorded scores), then under each option. Allocation-free.
 */
export function addPredictSample(
  c: CompiledScenario, s: PredictSpec, p: Patient, acc: Float64Array, lay: PredictLayout, scratch: PredictScratch,
): void {
  fixCovariates(c, p, s.salt0, s.durYears, s.minoxidil);
  for (let d = 0; d < c.drugCount; d++) {
    const fixed = s.aeFixed[d];
    p.aeMonths[d] = fixed === fixed ? fixed : s.aeAtLeast[d] + p.aeMonths[d];
  }
  const h = scratch.history;
  h.reset(c, p);
  const threshold = c.threshold;
  const invSd = 1 / s.sdObs;
  let logW = 0;
  let open = true;
  let lastDrug = -1;
  let lastStop = -Infinity;
  for (let l = 0; l < s.lineDrug.length; l++) {
    const d = s.lineDrug[l];
    const start = s.lineStart[l];
    h.advance(c, p, start);
    h.startLine(p, d, start, lastDrug >= 0 && isDoseChange(c.molecule[lastDrug], c.molecule[d], start - lastStop));
    for (let k = s.probeFrom[l]; k < s.probeFrom[l + 1]; k++) {
      const t = s.probeTime[k];
      h.advance(c, p, t);
      const salt = h.saltAt(c, p, t);
      const y = s.probeValue[k];
      if (y === y) {
        const r = (y - salt) * invSd;
        logW -= 0.5 * r * r;
      } else if (salt <= threshold) {
        open = false;
      }
    }
    const stop = s.lineStop[l];
    if (stop !== Infinity) {
      h.advance(c, p, stop);
      if (h.onDrug) h.stopLine(c, stop);
    }
    lastDrug = d;
    lastStop = stop;
  }
  // Relative to a perfect fit (w <= 1): the constant of the normal density cancels in every ratio.
  const w = Math.exp(logW);
  if (w === 0) return;
  acc[0] += w;
  acc[1] += w * w;
  if (open) { acc[2] += w; acc[3] += w * w; }
  const f = scratch.future;
  const now = s.now;
  const months = s.months;
  for (let o = 0; o < lay.options; o++) {
    const base = optionBase(lay, o);
    f.copyFrom(h);
    const next = s.optionDrug[o];
    if (next !== OPTION_CONTINUE) {
      f.advance(c, p, now);
      let keepsClock: boolean;
      if (f.onDrug) {
        keepsClock = isDoseChange(c.molecule[f.drug], c.molecule[next], 0);
        f.stopLine(c, now);
      } else {
        keepsClock = lastDrug >= 0 && isDoseChange(c.molecule[lastDrug], c.molecule[next], now - lastStop);
      }
      f.startLine(p, next, now, keepsClock);
    }
    let first = months;
    for (let j = 1; j <= months; j++) {
      const t = now + j;
      f.advance(c, p, t);
      const salt = f.saltAt(c, p, t);
      const bin = salt >= SALT_BINS - 1 ? SALT_BINS - 1 : salt <= 0 ? 0 : Math.floor(salt);
      acc[base + lay.salt + (j - 1) * SALT_BINS + bin] += w;
      if (first === months && salt <= threshold) first = j - 1;
    }
    acc[base + lay.first + first] += w;
    if (open) acc[base + lay.firstOpen + first] += w;
  }
}
