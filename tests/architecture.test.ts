// The layering of README "Architecture", checked on the import statements of src/: arrows only point down,
// the model core stays pure, no import cycle, and the use cases touch neither process.* nor the console.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Rank of each room: a file may import only from rooms of its rank or lower. */
const RANK: Record<string, number> = {
  model: 0, policy: 0, rng: 0, stats: 1, engine: 2, calibration: 3, io: 4, 'version.ts': 4, app: 5, cli: 6, 'index.ts': 7,
};
const CORE = ['model', 'policy', 'rng'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** Module specifiers of the static and dynamic imports and re-exports of a file. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]);
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) out.push(m[1]);
  return out;
}

const room = (file: string) => relative(SRC, file).split('/')[0];
const all = files(SRC);
const imports = new Map(all.map((f) => {
  const specs = specifiers(readFileSync(f, 'utf8'));
  const local = specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')));
  return [f, { specs, local }];
}));

describe('architecture', () => {
  it('every file of src/ sits in a known room', () => {
    expect(all.filter((f) => RANK[room(f)] === undefined).map((f) => relative(SRC, f))).toEqual([]);
  });

  it('imports point down: no room imports a higher one', () => {
    const up: string[] = [];
    for (const [f, { local }] of imports) {
      for (const target of local) {
        if (RANK[room(target)] > RANK[room(f)]) up.push(`${relative(SRC, f)} -> ${relative(SRC, target)}`);
      }
    }
    expect(up).toEqual([]);
  });

  it('model/, policy/ and rng/ import nothing from engine/, io/, app/, cli/ or node:*', () => {
    const bad: string[] = [];
    for (const [f, { specs, local }] of imports) {
      if (!CORE.includes(room(f))) continue;
      for (const s of specs) if (s.startsWith('node:')) bad.push(`${relative(SRC, f)} -> ${s}`);
      for (const t of local) if (!CORE.includes(room(t))) bad.push(`${relative(SRC, f)} -> ${relative(SRC, t)}`);
    }
    expect(bad).toEqual([]);
  });

  it('no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(SRC, x)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of imports.get(f)?.local ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the use cases (app/) use neither process.* nor the console; only the entry reads process.argv', () => {
    const bad: string[] = [];
    for (const f of all) {
      const text = readFileSync(f, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '');
      if (room(f) === 'app' && /\b(process|console)\./.test(text)) bad.push(relative(SRC, f));
      if (relative(SRC, f) !== 'cli/bin.ts' && /process\.argv/.test(text)) bad.push(`${relative(SRC, f)} (process.argv)`);
    }
    expect(bad).toEqual([]);
  });

  it('no file of src/ is over 450 lines', () => {
    const long = all.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 451);
    expect(long).toEqual([]);
  });
});
