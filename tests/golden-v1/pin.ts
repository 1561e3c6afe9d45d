// Pins the engine's exact outputs under the version-1 model (MODEL.md before "Version 2"), so that the
// version-2 mechanisms, all off by default, can be checked to change nothing (golden.test.ts).
// Run ONCE, on the version-1 code (it was run on commit 9ce0ca9, before any version-2 change; its two
// simulation helpers moved to cases.ts afterwards, unchanged, to be shared with golden.test.ts):
//   npx tsx tests/golden-v1/pin.ts
// Re-running it on later code would pin that code's output and prove nothing: do not.
// Each file holds the fully resolved scenario (so later edits of scenarios/ or of the calibrated catalog
// do not move the pin), what was run, and the merged aggregates as plain numbers (doubles round-trip
// exactly through JSON).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { armScenario, armTrialSpec } from '../../src/calibration/arm.js';
import { trialPopulation } from '../../src/calibration/data.js';
import { runPowerTrials as runPowerBlock, type PowerTrialDesign as PowerSpec } from '../../src/engine/powerTrials.js';
import { loadScenario } from '../../src/io/scenario.js';
import { loadTrialData } from '../../src/io/trials.js';
import { compileScenario } from '../../src/model/compile.js';
import type { Scenario } from '../../src/model/scenario.js';
import { weeksToMonths } from '../../src/model/units.js';
import { catalogDrugOf, GOLDEN_DIR, runAggregates as runOf, trialAggregates as trialOf, type Golden, type GoldenTrialSpec } from './cases.js';

const runAggregates = (s: Scenario) => runOf(compileScenario(s));
const trialAggregates = (s: Scenario, spec: GoldenTrialSpec) => trialOf(compileScenario(s), spec);

function write(g: Golden): void {
  writeFileSync(join(GOLDEN_DIR, `${g.case}.json`), `${JSON.stringify(g, null, 1)}\n`);
}

function withPatients(s: Scenario, patients: number): Scenario {
  return { ...s, patients };
}

mkdirSync(GOLDEN_DIR, { recursive: true });
const scenarioDir = new URL('../../scenarios/', import.meta.url).pathname;
const benchDir = new URL('../../bench/configs/', import.meta.url).pathname;

// Every scenario of scenarios/ (the catalog file is not one), the canonical benchmark with more patients.
for (const f of readdirSync(scenarioDir).filter((x) => x.endsWith('.yaml') && x !== 'catalog.calibrated.yaml').sort()) {
  const s = withPatients(loadScenario(join(scenarioDir, f)), f === 'canonical-bench.yaml' ? 50_000 : 20_000);
  write({ case: `run-${f.replace(/\.yaml$/, '')}`, kind: 'run', scenario: s, aggregates: runAggregates(s) });
}
// The threshold sweep's grid point with rhoClass 1 (a singular correlation matrix: the pivoted factor).
{
  const base = loadScenario(join(scenarioDir, 'threshold-sweep.yaml'));
  const s = withPatients({ ...base, correlation: { ...base.correlation, rhoClass: 1 } }, 20_000);
  write({ case: 'run-threshold-sweep-rhoClass1', kind: 'run', scenario: s, aggregates: runAggregates(s) });
}
// The exactness configs of bench/ (k != 2, half-month visits, a switch gap, prices, afterLastLine stay). The
// rules config puts baricitinib 2 mg before 4 mg, but with a 0.75-month gap: not a dose change (MODEL.md v2).
for (const f of ['rules.yaml', 'stay.yaml']) {
  const s = withPatients(loadScenario(join(benchDir, f)), 20_000);
  write({ case: `run-bench-${f.replace(/\.yaml$/, '')}`, kind: 'run', scenario: s, aggregates: runAggregates(s) });
}
// The one stated exception (MODEL.md "Dose changes"): the rules config without its switch gap, so that the
// policy `extend` (baricitinib 2 mg then 4 mg) has a dose change. golden.test.ts expects every other policy,
// and every comparison not involving `extend`, unchanged.
{
  const s = withPatients({ ...loadScenario(join(benchDir, 'rules.yaml')), switchGapMonths: 0 }, 20_000);
  write({ case: 'run-bench-rules-nogap', kind: 'run', scenario: s, aggregates: runAggregates(s), doseChangePolicies: ['extend'] });
}

// Trial mode: drugs of the canonical catalog and of the rules config (k = 1.6), AE stops, two thresholds, two bands.
const weeks = [4, 8, 12, 16, 24, 36, 52];
const trialSpec = (drug: number): GoldenTrialSpec => ({
  drug, months: weeks.map(weeksToMonths), thresholds: [20, 10], bandLo: [50, 95], bandHi: [95, 100],
});
{
  const s = withPatients(loadScenario(join(scenarioDir, 'canonical-bench.yaml')), 50_000);
  for (const d of [0, 2]) {
    const spec = trialSpec(d);
    write({ case: `trial-canonical-drug${d}`, kind: 'trial', scenario: s, trial: spec, aggregates: trialAggregates(s, spec) });
  }
  const rules = withPatients(loadScenario(join(benchDir, 'rules.yaml')), 20_000);
  const spec = trialSpec(3);
  write({ case: 'trial-bench-rules-drug3', kind: 'trial', scenario: rules, trial: spec, aggregates: trialAggregates(rules, spec) });
}
// A calibration arm: baricitinib 4 mg of the calibrated catalog in the BRAVE-AA population (calibration/arm.ts).
{
  const data = loadTrialData(new URL('../../data/trials.json', import.meta.url).pathname);
  const { drug, globals } = catalogDrugOf(join(scenarioDir, 'catalog.calibrated.yaml'), 'baricitinib-4mg');
  const armWeeks = [12, 24, 36, 52];
  const s = armScenario({ population: trialPopulation(data.populations['BRAVE-AA']), drug, globals, weeks: armWeeks, patients: 20_000, seed: 20251008 });
  const t = armTrialSpec(armWeeks, [[50, 95], [95, 100]]);
  const spec: GoldenTrialSpec = {
    drug: t.drug, months: Array.from(t.months), thresholds: Array.from(t.thresholds), bandLo: Array.from(t.bandLo), bandHi: Array.from(t.bandHi),
  };
  write({ case: 'trial-arm-bravea-baricitinib4', kind: 'trial', scenario: s, trial: spec, aggregates: trialAggregates(s, spec) });
}

// Power analysis (engine/trialSim.ts): a parallel trial and a SMART, 30 trials of 200 patients each.
{
  const s = loadScenario(join(scenarioDir, 'smart-second-line.yaml'));
  const c = compileScenario(s);
  const common = {
    seed: 99, n: 200, sides: 2 as const, alpha: 0.05, critical: 1.959963984540054, decisionVisit: 5,
    compareA: 0, compareB: 1, endpointVisit: 11,
  };
  const parallel: PowerSpec = { ...common, smart: false, endpoint: 0, armA: 0, armB: 1, nA: 100, test: 0, options: [] };
  const smart: PowerSpec = { ...common, smart: true, endpoint: 2, armA: 0, armB: 0, nA: 0, test: 0, options: [0, 1, 2] };
  for (const [name, spec] of [['parallel', parallel], ['smart', smart]] as const) {
    const out = runPowerBlock(c, spec, { first: 0, count: 30 });
    write({ case: `power-${name}`, kind: 'power', scenario: s, power: spec, aggregates: Array.from(out) });
  }
}
