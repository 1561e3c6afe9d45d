// One measuring process of `jaksim bench` (cli/bench.ts spawns it): a warm-up and timed runs of a scenario on
// a pool of the given size, one JSON line out. Its own entry point, loading only the engine and the
// scenario reader, so that its whole-process time is the simulation's and not the loading of every command.
// Its parameters come as JSON in the environment variable JAKSIM_BENCH_CHILD (only cli/bin.ts reads argv):
// { scenario, patients, workers, repeat }.
import { BENCH_CHILD_ENV, measureWorkers } from '../app/bench.js';
import { withEngine } from '../engine/pool.js';
import { loadScenario } from '../io/scenario.js';

const { scenario: file, patients, workers, repeat } = JSON.parse(process.env[BENCH_CHILD_ENV] ?? '{}') as {
  scenario: string; patients: number; workers: number; repeat: number;
};
const scenario = loadScenario(file);
scenario.patients = patients;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const m = await withEngine(workers, (engine) => measureWorkers(scenario, engine, repeat, cpuSeconds));
process.stdout.write(`${JSON.stringify({ ...m, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
