// Throughput of the canonical scenario: median patients/s for each worker count, and parallel efficiency.
// Usage: npx tsx bench/measure.ts [--dist] [--patients 1000000] [--repeat 5] [--workers 1,2] [--scenario FILE]
// --dist runs the compiled engine (npm run build first). Engines start and warm up before timing, and
// the timed runs alternate between worker counts so that drift in machine load hits them alike.
import { availableParallelism } from 'node:os';
import { loadEngine, option } from './load.js';

const argv = process.argv.slice(2);
const { root, compileScenario, Engine, loadScenario } = await loadEngine(argv);
const file = option(argv, 'scenario') ?? new URL('../scenarios/canonical-bench.yaml', import.meta.url).pathname;
const s = loadScenario(file);
s.patients = Number(option(argv, 'patients') ?? s.patients);
const repeat = Number(option(argv, 'repeat') ?? 5);
const workerCounts = (option(argv, 'workers') ?? '1,2').split(',').map(Number);
const compiled = compileScenario(s);
const warm = compileScenario({ ...s, patients: Math.min(s.patients, 200_000) });

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

const engines = workerCounts.map((w) => {
  const t0 = performance.now();
  return { workers: w, engine: new Engine({ workers: w }), startMs: performance.now() - t0, firstRunMs: 0, pps: [] as number[] };
});
let checksum = 0; // consumed below, so no run can be optimised away
try {
  for (const e of engines) {
    const t0 = performance.now();
    const acc = await e.engine.run(warm);
    e.firstRunMs = performance.now() - t0;
    checksum += acc[0];
  }
  for (let r = 0; r < repeat; r++) {
    for (const e of engines) {
      const t0 = performance.now();
      const acc = await e.engine.run(compiled);
      const ms = performance.now() - t0;
      checksum += acc[0];
      e.pps.push((s.patients / ms) * 1000);
    }
  }
} finally {
  for (const e of engines) await e.engine.close();
}

console.log(`${s.name}: ${s.patients} patients, ${repeat} runs each, ${root}, node ${process.version}, `
  + `${availableParallelism()} cores (checksum ${checksum})`);
const one = engines.find((e) => e.workers === 1);
for (const e of engines) {
  const m = median(e.pps);
  const eff = one && e.workers > 1 ? `  efficiency ${(m / (e.workers * median(one.pps))).toFixed(3)}` : '';
  console.log(`${e.workers} worker(s): median ${(m / 1e6).toFixed(3)} M patients/s `
    + `[${e.pps.map((x) => (x / 1e6).toFixed(3)).join(' ')}]  warm-up ${e.firstRunMs.toFixed(0)} ms${eff}`);
}
