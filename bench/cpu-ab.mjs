// A/B of in-process (1 worker) engine runs by CPU time, which a loaded machine inflates far less than wall
// time: node bench/cpu-ab.mjs [patients=300000] [rounds=5] DIST_ROOT... (each a folder holding a build's dist/).
// Runs alternate between the builds; prints median patients per CPU-second of each and the ratio to the first.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const patients = Number(args[0] ?? 300000);
const rounds = Number(args[1] ?? 5);
const roots = args.slice(2);
const scenarioFile = new URL('../scenarios/canonical-bench.yaml', import.meta.url).pathname;
const builds = [];
for (const r of roots) {
  const base = pathToFileURL(resolve(r) + '/dist/');
  const { loadScenario } = await import(new URL('io/scenario.js', base).href);
  const { compileScenario } = await import(new URL('model/compile.js', base).href);
  const { Engine } = await import(new URL('engine/pool.js', base).href);
  const s = loadScenario(scenarioFile);
  s.patients = patients;
  builds.push({ root: r, engine: new Engine({ workers: 1 }), c: compileScenario(s), pps: [] });
}
const median = (xs) => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
for (const b of builds) await b.engine.run(b.c); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const b of builds) {
    const u0 = process.cpuUsage();
    await b.engine.run(b.c);
    const u = process.cpuUsage(u0);
    b.pps.push(patients / ((u.user + u.system) / 1e6));
  }
}
const first = median(builds[0].pps);
for (const b of builds) {
  const m = median(b.pps);
  console.log(`${b.root}: median ${(m / 1e6).toFixed(3)} M patients per CPU-s [${b.pps.map((x) => (x / 1e6).toFixed(3)).join(' ')}]  ratio ${(m / first).toFixed(3)}`);
}
