// One measuring process of `jaksim bench` (cli/bench.ts spawns it): a warm-up and timed runs of a scenario on
// a pool of the given size, one JSON line out. Its own entry point, loading only the engine and the
// scenario reader, so that its whole-process time is the simulation's and not the loading of every command.
// Usage: node benchChild.js SCENARIO PATIENTS WORKERS REPEAT
import { measureWorkers } from '../app/bench.js';
import { withEngine } from '../engine/pool.js';
import { loadScenario } from '../io/scenario.js';

const [file, patients, workers, repeat] = process.argv.slice(2);
const scenario = loadScenario(file);
scenario.patients = Number(patients);
const m = await withEngine(Number(workers), (engine) => measureWorkers(scenario, engine, Number(repeat)));
process.stdout.write(`${JSON.stringify({ ...m, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
