// Shared by the bench scripts: the engine modules from src/ (tsx), with --dist from the compiled dist/,
// or with --root DIR from another build (a dist/ of an older commit, for A/B comparisons).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Compile from '../src/model/compile.js';
import type * as Pool from '../src/engine/pool.js';
import type * as ScenarioIo from '../src/io/scenario.js';

export interface EngineModules {
  root: string;
  compileScenario: typeof Compile.compileScenario;
  Engine: typeof Pool.Engine;
  loadScenario: typeof ScenarioIo.loadScenario;
}

export async function loadEngine(argv: string[]): Promise<EngineModules> {
  const dir = option(argv, 'root');
  const root = dir ?? (argv.includes('--dist') ? 'dist' : 'src');
  const ext = root === 'src' ? 'ts' : 'js';
  const base = dir ? pathToFileURL(resolve(dir) + '/') : new URL(`../${root}/`, import.meta.url);
  const compile = (await import(new URL(`model/compile.${ext}`, base).href)) as typeof Compile;
  const pool = (await import(new URL(`engine/pool.${ext}`, base).href)) as typeof Pool;
  const io = (await import(new URL(`io/scenario.${ext}`, base).href)) as typeof ScenarioIo;
  return { root, compileScenario: compile.compileScenario, Engine: pool.Engine, loadScenario: io.loadScenario };
}

/** The value of `--name value`, or undefined. */
export function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
