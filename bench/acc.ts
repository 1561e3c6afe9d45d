// Exactness check: merged aggregates of a run, saved (--save FILE) or compared (--check FILE) bit for bit,
// field by field (model/layout.ts names), so a build whose layout has more fields compares on the common ones.
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
  // Builds before issue 12 take the counts' length as a third argument; later ones compute it.
  const length = 2 * (1 + months.length * 2);
  acc = await (engine.trial as unknown as (...a: unknown[]) => Promise<Float64Array>)(compiled, trial, ...(engine.trial.length >= 4 ? [length] : []));
}
await engine.close();
/** The layout's fields: [name, length] per policy, then per comparison pair (absent names are skipped). */
function namedFields(acc: Float64Array): Record<string, number[]> {
  const lay = compiled.layout as unknown as Record<string, number>;
  const v = compiled.visitCount;
  const l = lay.maxLines;
  const d = compiled.drugCount;
  const perPolicy: [string, number][] = [
    ['firstResponse', v + 1], ['point', v], ['entered', l], ['respondedOn', l], ['linesUsed', l + 1],
    ['nonResponseMonths', 1], ['nonResponseMonthsSq', 1], ['drugMonths', d], ['aeStops', 1], ['cost', 3],
  ];
  const perPair: [string, number][] = [
    ['bOnly', v + 1], ['aOnly', v + 1], ['pairNonResponse', 2], ['pairLines', 2], ['pairDrugMonths', 2 * d], ['pairCost', 3],
  ];
  const out: Record<string, number[]> = {};
  for (let p = 0; p < compiled.policyCount; p++) {
    for (const [name, len] of perPolicy) {
      if (lay[name] !== undefined) out[`policy${p}.${name}`] = Array.from(acc.subarray(p * lay.policyStride + lay[name], p * lay.policyStride + lay[name] + len));
    }
  }
  for (let q = 0; q < compiled.pairCount; q++) {
    for (const [name, len] of perPair) {
      const at = lay.pairBase + q * lay.pairStride + lay[name];
      if (lay[name] !== undefined) out[`pair${q}.${name}`] = Array.from(acc.subarray(at, at + len));
    }
  }
  return out;
}

// Hex of the raw bytes: exact, including the sign of zero.
const doc = {
  scenario: s.name, seed: s.seed, patients: s.patients, trial: trialDrug ?? null,
  hex: Buffer.from(acc.buffer, acc.byteOffset, acc.byteLength).toString('hex'),
  values: Array.from(acc),
  fields: trialDrug === undefined ? namedFields(acc) : { trial: Array.from(acc) },
};
const what = `${s.name}${trialDrug === undefined ? '' : ` trial ${trialDrug}`}, ${root}, ${workers} workers, ${s.patients} patients`;
const save = option(argv, 'save');
const check = option(argv, 'check');
if (save) {
  writeFileSync(save, JSON.stringify(doc) + '\n');
  console.log(`saved ${acc.length} aggregates (${what}) to ${save}`);
} else if (check) {
  const ref = JSON.parse(readFileSync(check, 'utf8')) as typeof doc;
  const names = Object.keys(doc.fields).filter((n) => n in ref.fields);
  const only = [...Object.keys(doc.fields), ...Object.keys(ref.fields)].filter((n) => !names.includes(n));
  const diffs: string[] = [];
  for (const n of names) {
    doc.fields[n].forEach((x, i) => { if (!Object.is(x, ref.fields[n][i])) diffs.push(`${n}[${i}] ${ref.fields[n][i]} -> ${x}`); });
  }
  const note = only.length ? ` (not in both: ${only.join(', ')})` : '';
  if (diffs.length === 0 && names.length > 0) {
    console.log(`identical: ${names.length} fields (${what})${ref.hex === doc.hex ? ', same bytes' : ''}${note}`);
  } else {
    console.log(`DIFFERENT (${what}): ${diffs.length} values${note}\n${diffs.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  }
} else {
  console.error('give --save FILE or --check FILE');
  process.exitCode = 2;
}
