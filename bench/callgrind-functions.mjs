// Instructions per patient by function, JIT-compiled JavaScript included: callgrind's self counts (Ir) of a run of
// bench/profile.mjs, its addresses named through V8's perf map (node --perf-basic-prof), N patients minus one block.
// Usage: node bench/callgrind-functions.mjs [ROOT=.] [N=50000] [TOP=25]   (valgrind on the PATH; a few minutes).
// V8's compiler work that falls in the larger run only is counted too: the total runs above bench/instructions.sh's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [root = '.', n = '50000', top = '25'] = process.argv.slice(2);
const BLOCK = 4096;

/** Self instructions by function name of one run of `patients` patients. */
function selfCounts(patients) {
  const dir = mkdtempSync(join(tmpdir(), 'jaksim-cg-'));
  const out = join(dir, 'callgrind.out');
  // Under valgrind, node keeps valgrind's process id: its perf map is /tmp/perf-<that id>.map.
  const run = spawnSync('valgrind', ['--tool=callgrind', '--dump-instr=yes', `--callgrind-out-file=${out}`,
    'node', '--single-threaded', '--perf-basic-prof', resolve(root, 'bench/profile.mjs'), String(patients), '1'],
  { stdio: 'ignore' });
  const map = `/tmp/perf-${run.pid}.map`;
  const symbols = [];
  if (existsSync(map)) {
    for (const line of readFileSync(map, 'utf8').split('\n')) {
      const [a, size, ...name] = line.split(' ');
      if (name.length) symbols.push([parseInt(a, 16), parseInt(size, 16), name.join(' ')]);
    }
    rmSync(map);
  }
  symbols.sort((x, y) => x[0] - y[0]);
  const named = (addr) => {
    let lo = 0, hi = symbols.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (symbols[mid][0] <= addr) lo = mid + 1; else hi = mid - 1;
    }
    const s = symbols[hi];
    return s && addr < s[0] + s[1] ? s[2] : undefined;
  };
  const names = new Map();
  const counts = new Map();
  let fn = '?', ob = '?', at = 0, skipNext = false;
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('calls=')) { skipNext = true; continue; }
    const def = /^(c?)(ob|fn|fl|fi|fe)=\((\d+)\)(?: (.*))?$/.exec(line);
    if (def) {
      const [, , kind, id, name] = def;
      if (name !== undefined) names.set(kind + id, name);
      if (!def[1] && kind === 'fn') fn = names.get('fn' + id) ?? id;
      if (!def[1] && kind === 'ob') ob = names.get('ob' + id) ?? id;
      continue;
    }
    if (!/^[+\-0-9]/.test(line)) continue;
    const parts = line.split(' ');
    const p = parts[0];
    at = p.startsWith('0x') ? parseInt(p, 16) : p[0] === '+' ? at + Number(p.slice(1)) : p[0] === '-' ? at - Number(p.slice(1)) : at;
    if (skipNext) { skipNext = false; continue; }
    if (parts.length < 3) continue;
    const key = named(at) ?? `${ob.split('/').pop()}: ${fn}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(parts[2]));
  }
  rmSync(dir, { recursive: true });
  return counts;
}

const big = selfCounts(Number(n));
const small = selfCounts(BLOCK);
const per = [...big].map(([k, v]) => [k, (v - (small.get(k) ?? 0)) / (Number(n) - BLOCK)]);
const total = per.reduce((s, [, v]) => s + v, 0);
console.log(`${Math.round(total)} instructions per patient (${root}, canonical-bench)`);
for (const [k, v] of per.sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${String(Math.round(v)).padStart(7)}  ${k.slice(0, 110)}`);
