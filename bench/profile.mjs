// Profiling driver for the compiled engine: node --cpu-prof --cpu-prof-dir=bench/results/prof bench/profile.mjs [patients] [workers] [scenario]
// (also the program that bench/instructions.sh counts instructions of under callgrind).
import { loadScenario } from '../dist/io/scenario.js';
import { compileScenario } from '../dist/model/compile.js';
import { Engine } from '../dist/engine/pool.js';

const s = loadScenario(process.argv[4] ?? new URL('../scenarios/canonical-bench.yaml', import.meta.url).pathname);
s.patients = Number(process.argv[2] ?? 1_000_000);
const workers = Number(process.argv[3] ?? 1);
const engine = new Engine({ workers });
const t0 = performance.now();
const acc = await engine.run(compileScenario(s));
const ms = performance.now() - t0;
await engine.close();
console.log(`${s.patients} patients, ${workers} worker(s): ${(s.patients / ms / 1000).toFixed(3)} M/s (acc[0] ${acc[0]})`);
