// Issue 16, item 3: start-up is serial work in every command, so the compiled CLI loads only what a command
// line needs: `--version` no yargs and no command's module; `run --help` and a rejected command line no use
// case, engine or file reader; a run draws its report's charts with the bundled vega (dist/vendor/charts.js).
// Checked on the module files a child process loads (recorded by a module-loader hook), never on time.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'jaksim-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The hook runs on the loader's own thread: it appends each module's URL to the file the child is given.
writeFileSync(join(dir, 'hook.mjs'), [
  "import { appendFileSync } from 'node:fs';",
  'export async function load(url, context, next) {',
  "  appendFileSync(process.env.JAKSIM_TEST_LOADED, `${url}\\n`);",
  '  return next(url, context);',
  '}',
].join('\n'));
writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);

let n = 0;
/** `jaksim <args>` compiled, in a child process: its exit code, stdout, stderr and the modules it loaded (paths from the repository). */
function jaksim(args: string[]): Promise<{ code: number; out: string; err: string; loaded: string[] }> {
  const log = join(dir, `loaded-${n++}.txt`);
  writeFileSync(log, '');
  return new Promise((done) => {
    execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, 'bin/jaksim.js', ...args],
      { env: { ...process.env, JAKSIM_TEST_LOADED: log } }, (err, out, stderr) => {
        const root = pathToFileURL(process.cwd()).href;
        const loaded = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith(root)).map((u) => u.slice(root.length + 1));
        done({ code: err ? Number(err.code) : 0, out, err: stderr, loaded });
      });
  });
}

/** Every command's module, the use cases (but their defaults), the engine, the model and the file readers. */
const heavy = (loaded: string[]) => loaded.filter((f) =>
  /^dist\/(app\/(?!defaults\.js)|engine\/|model\/|calibration\/|cli\/(run|sweep|merge|bench|trial|predict|clinic|power|psa|calibrate|tables)\.js)/.test(f)
  || /^node_modules\/(zod|yaml|piscina|vega[^/]*|csv-parse|mathjs)\//.test(f));

describe('start-up of the compiled CLI', () => {
  it('--version loads neither yargs nor any command', async () => {
    const r = await jaksim(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^jaksim \S+ \(Node \S+\)\n$/);
    expect(r.loaded).toContain('dist/cli/main.js');
    expect(r.loaded.filter((f) => f.startsWith('node_modules/yargs'))).toEqual([]);
    expect(heavy(r.loaded)).toEqual([]);
  });

  it('run --help and a command line refused before its handler load yargs and the flags only', async () => {
    const help = await jaksim(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--allow-large');
    expect(help.loaded).toContain('dist/cli/options.js');
    expect(heavy(help.loaded)).toEqual([]);
    const refused = await jaksim(['run', 'scenarios/default.yaml', '--workers', '0']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^jaksim: .*workers/);
    expect(heavy(refused.loaded)).toEqual([]);
  });

  it('a run loads its command and draws the report with the bundled vega, not the packages', async () => {
    const r = await jaksim(['run', 'scenarios/default.yaml', '--patients', '2000', '--workers', '1', '--out', join(dir, 'results')]);
    expect(r.code).toBe(0);
    expect(r.loaded).toEqual(expect.arrayContaining(['dist/cli/run.js', 'dist/engine/pool.js', 'dist/vendor/charts.js']));
    expect(r.loaded.filter((f) => /^node_modules\/vega/.test(f))).toEqual([]);
    expect(r.loaded.filter((f) => /^dist\/cli\/(sweep|psa|power|calibrate|predict)\.js$/.test(f))).toEqual([]);
  });
});
