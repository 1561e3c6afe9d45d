// Every file the program reads goes through io/inputFile.ts: a regular file, at most its limit read. A
// character device (/dev/zero), a named pipe, a folder or a huge sparse file is one clear message (exit 2),
// never a hang or a machine filling its memory. FIFOs are tried only in child processes with a timeout.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCatalogUncertainty } from '../../src/io/catalog.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { UserError } from '../../src/io/errors.js';
import { readBenchDocument } from '../../src/io/benchDocument.js';
import { InputFileError, readInputFile } from '../../src/io/inputFile.js';
import { readPartial } from '../../src/io/partialFile.js';
import { readPosteriorDraws } from '../../src/io/posteriorDraws.js';
import { loadPatient } from '../../src/io/patient.js';
import { loadScenario } from '../../src/io/scenario.js';
import { loadTrialData } from '../../src/io/trials.js';
import { mergeSweepFolder } from '../../src/app/sweepShards.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'jaksim-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenarioWithCatalog = (target: string) => {
  const file = join(dir, `ref-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `catalog: { file: ${JSON.stringify(target)} }\npolicies: [{ id: p, sequence: [a] }]\n`);
  return file;
};

/** Every reader of a user file, as the program calls it. */
const readers: [string, (file: string) => unknown][] = [
  ['scenario', (f) => loadScenario(f)],
  ['scenario --allow-large', (f) => loadScenario(f, { allowLarge: true })],
  ['catalog file: reference', (f) => loadScenario(scenarioWithCatalog(f))],
  ['calibrate/trial --data', (f) => loadTrialData(f)],
  ['validate --catalog', (f) => readCatalogUncertainty(f)],
  ['merge partial', (f) => readPartial(f)],
  ['bench --baseline', (f) => readBenchDocument(f)],
  ['posterior draws of a catalog', (f) => readPosteriorDraws(f)],
  ['predict patient file', (f) => loadPatient(f, ['baricitinib-4mg'])],
];

/** A sparse regular file of `bytes` (no disk used): over every limit without being read. */
function sparse(name: string, bytes: number): string {
  const file = join(dir, name);
  writeFileSync(file, '');
  truncateSync(file, bytes);
  return file;
}

describe('one reader for every input file', () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const huge = sparse('huge.yaml', 3 * 1024 ** 3);

  for (const [what, read] of readers) {
    it(`${what}: /dev/zero, a folder and a 3 GiB sparse file are a UserError naming the file`, () => {
      for (const [file, reason] of [['/dev/zero', /character device, not a regular file/], [folder, /a folder/], [huge, /bytes/]] as const) {
        let caught: unknown;
        try { read(file); } catch (err) { caught = err; }
        expect(caught, `${what} ${file}`).toBeInstanceOf(UserError);
        expect((caught as Error).message, `${what} ${file}`).toMatch(reason);
        expect((caught as Error).message).toContain(file);
      }
    });
  }

  it('a file growing past the limit is cut at limit + 1 bytes; a file at the limit is read whole', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (size, limit) => {
      const file = join(dir, 'sized.bin');
      writeFileSync(file, Buffer.alloc(size, 7));
      if (size <= limit) {
        expect(readInputFile(file, { expected: 'x', maxBytes: limit }).length).toBe(size);
      } else {
        expect(() => readInputFile(file, { expected: 'x', maxBytes: limit })).toThrow(InputFileError);
      }
    }), { seed: 11, numRuns: 60 });
  });

  it('the sweep header of sweep shards and a saved checkpoint block go through the same reader', () => {
    const sweepDir = join(dir, 'sweep-shards-000000000000');
    mkdirSync(sweepDir);
    execFileSync('mkfifo', [join(sweepDir, 'sweep.json')]);
    expect(() => mergeSweepFolder(sweepDir, 1 << 20)).toThrow(/sweep\.json: expected a sweep header .*named pipe/);
    const cpDir = join(dir, 'checkpoint');
    mkdirSync(cpDir);
    execFileSync('mkfifo', [join(cpDir, 'block-0.f64')]);
    writeFileSync(join(cpDir, 'block-1.f64'), '');
    truncateSync(join(cpDir, 'block-1.f64'), 2 ** 31);
    // Neither is a block this run wrote: both are left out (and recomputed), nothing hangs or fills memory.
    const loaded = new Checkpoint(cpDir, 10, 4).load();
    expect(loaded.blocks.size).toBe(0);
    expect(loaded.bad.map((b) => b.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/named pipe/), expect.stringMatching(/over the limit/)]));
  });

  it('no module of src/ but io/inputFile.ts (and version.ts, the package manifest) reads files itself', () => {
    const offenders: string[] = [];
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk('src')) {
      const rel = relative('src', f);
      if (rel === 'io/inputFile.ts' || rel === 'version.ts') continue;
      if (/\b(readFileSync|readSync|createReadStream|readFile)\s*\(/.test(readFileSync(f, 'utf8'))) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });
});

/** The CLI in a child process, killed after 20 s: a reader that blocks on a FIFO fails the test instead of hanging it. */
function cli(args: string[]) {
  return exec(process.execPath, ['bin/jaksim.js', ...args], { timeout: 20_000, killSignal: 'SIGKILL' })
    .then((r) => ({ code: 0, ...r }), (e) => ({ code: (e.killed ? 'killed' : e.code) as number | string, stdout: e.stdout as string, stderr: e.stderr as string }));
}

describe('named pipes (FIFOs) and /dev/zero through the CLI: exit 2 at once, never a hang', () => {
  const fifo = join(dir, 'pipe.yaml');
  execFileSync('mkfifo', [fifo]);
  const out = join(dir, 'out');
  const cases: [string, string[]][] = [
    ['run <fifo>', ['run', fifo, '--workers', '1', '--out', out]],
    ['run /dev/zero', ['run', '/dev/zero', '--workers', '1', '--out', out]],
    ['run with catalog: { file: <fifo> }', ['run', scenarioWithCatalog(fifo), '--workers', '1', '--out', out]],
    ['calibrate --data <fifo>', ['calibrate', '--data', fifo, '--workers', '1', '--out', join(dir, 'c.yaml'), '--report-dir', join(dir, 'r')]],
    ['validate --catalog <fifo>', ['validate', '--catalog', fifo, '--workers', '1', '--report-dir', join(dir, 'r')]],
    ['trial --catalog <fifo>', ['trial', 'baricitinib-4mg', '--population', 'ALLEGRO', '--catalog', fifo, '--workers', '1']],
    ['trial --data /dev/zero', ['trial', 'baricitinib-4mg', '--population', 'ALLEGRO', '--data', '/dev/zero', '--workers', '1']],
    ['merge <fifo>', ['merge', fifo, '--out', out]],
    ['bench --baseline <fifo>', ['bench', '--baseline', fifo, '--patients', '1000', '--repeat', '1', '--workers', '1']],
    ['power <fifo>', ['power', fifo, '--arms', 'a,b', '--workers', '1', '--out', out]],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/(named pipe \(FIFO\)|character device), not a regular file/);
    });
  }
});
