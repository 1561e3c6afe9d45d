// Summarise a .cpuprofile: self time by function and the hottest source lines.
// Usage: node bench/profile-summary.mjs FILE.cpuprofile [top=20]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 20);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const byFn = new Map();
const byLine = new Map();
for (const n of prof.nodes) {
  const f = n.callFrame;
  const name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  const self = dt.get(n.id) ?? 0;
  byFn.set(name, (byFn.get(name) ?? 0) + self);
  const ticks = (n.positionTicks ?? []).reduce((a, t) => a + t.ticks, 0);
  for (const t of n.positionTicks ?? []) {
    const key = `${f.url.split('/').slice(-2).join('/')}:${t.line}`;
    byLine.set(key, (byLine.get(key) ?? 0) + (self * t.ticks) / ticks);
  }
}
const pct = (x) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1000).toFixed(0)} ms`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
console.log('-- lines');
for (const [k, v] of [...byLine].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
