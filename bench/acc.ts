// Exactness check: merged aggregates of a run, saved (--save FILE) or compared (--check FILE) bit for bit.
// Usage: npx tsx bench/acc.ts [--dist] [--scenario FILE] [--patients N] [--workers W] [--trial DRUG] (--save|--check) FILE
// Defaults: scenarios/canonical-bench.yaml, 100,000 patients, 1 worker, policy mode (--trial: trial mode of that drug).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadEngine, option } from './load.js';

const argv = process.argv.slice(2);
const { root, compileScenario, Engine, loadScenario } = await loadEngine(argv);
const file = option(argv, 'scenario') ?? new URL('../scenarios/canonical-bench.yaml', import.meta.url).pathname;
const s = loadScenario(file);
s.patients = Number(option(argv, 'patients') ?? 100_000);
const workers = Number(option(argv, 'workers') ?? 1);
const trialDrug = option(argv, 'trial');
const engine = new Engine({ workers });
const compiled = compileScenario(s);
let acc: Float64Array;
if (trialDrug === undefined) {
  acc = await engine.run(compiled);
} else {
  // Weeks 4..52 and two thresholds over two bands: exact (non-visit) times and the AE check.
  const months = Float64Array.from([4, 8, 12, 16, 24, 36, 52], (w) => (7 * w) / (365.25 / 12));
  const trial = {
    drug: Number(trialDrug), months, thresholds: Float64Array.from([20, 10]),
    bandLo: Float64Array.from([50, 95]), bandHi: Float64Array.from([95, 100]),
  };
  acc = await engine.trial(compiled, trial, 2 * (1 + months.length * 2));
}
await engine.close();
// Hex of the raw bytes: exact, including the sign of zero.
const doc = {
  scenario: s.name, seed: s.seed, patients: s.patients, trial: trialDrug ?? null,
  hex: Buffer.from(acc.buffer, acc.byteOffset, acc.byteLength).toString('hex'),
  values: Array.from(acc),
};
const what = `${s.name}${trialDrug === undefined ? '' : ` trial ${trialDrug}`}, ${root}, ${workers} workers, ${s.patients} patients`;
const save = option(argv, 'save');
const check = option(argv, 'check');
if (save) {
  writeFileSync(save, JSON.stringify(doc) + '\n');
  console.log(`saved ${acc.length} aggregates (${what}) to ${save}`);
} else if (check) {
  const ref = JSON.parse(readFileSync(check, 'utf8')) as typeof doc;
  if (ref.hex === doc.hex) {
    console.log(`identical: ${acc.length} aggregates (${what})`);
  } else {
    const diffs = doc.values.flatMap((v, i) => (Object.is(v, ref.values[i]) ? [] : [`[${i}] ${ref.values[i]} -> ${v}`]));
    console.log(`DIFFERENT (${what}): ${diffs.length} of ${acc.length}\n${diffs.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  }
} else {
  console.error('give --save FILE or --check FILE');
  process.exitCode = 2;
}
