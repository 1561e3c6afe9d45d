// Saved work read back: checkpoint blocks carry a checksum and are range-checked (a bad block is recomputed
// with a warning, the results stay exact); partial files' blocks are range-checked on merge (a forged file
// with a recomputed checksum but impossible aggregates is refused); both are keyed by the engine
// fingerprint; two concurrent checkpointed runs of one scenario into one folder both succeed.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { mergePartials } from '../../src/app/merge.js';
import { runScenario } from '../../src/app/run.js';
import { runShard, runWithCheckpoint } from '../../src/app/shards.js';
import { withEngine } from '../../src/engine/pool.js';
import { BLOCK_SIZE } from '../../src/engine/runBlock.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { UserError } from '../../src/io/errors.js';
import { canonicalJson } from '../../src/io/hash.js';
import { curvesCsv } from '../../src/io/results.js';
import { loadScenario } from '../../src/io/scenario.js';
import { compileScenario } from '../../src/model/compile.js';
import { codeFingerprint, engineFingerprint } from '../../src/version.js';

const exec = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'jaksim-integrity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PATIENTS = 5 * BLOCK_SIZE;
const inputs = (out: string) => ({ scenario: 'scenarios/default.yaml', patients: PATIENTS, out });
const layoutOf = () => {
  const s = loadScenario('scenarios/default.yaml');
  s.patients = PATIENTS;
  return compileScenario(s).layout;
};

/** A checkpoint stopped after `keep` blocks: its folder and block files. */
async function stoppedCheckpoint(out: string, keep: number) {
  let launched = 0;
  const r = await withEngine(1, (e) => runWithCheckpoint(inputs(out), e, { command: '', shouldStop: () => launched++ >= keep }));
  expect(r.kind).toBe('stopped');
  const scenarioDir = join(out, 'default');
  const folder = join(scenarioDir, readdirSync(scenarioDir).find((f) => f.startsWith('.checkpoint-'))!);
  return { folder, files: readdirSync(folder).filter((f) => f.endsWith('.f64')).sort() };
}

/** A block file's bytes with the checksum recomputed independently (SHA-256 of a label, the index and the data). */
function resealed(index: number, data: Buffer): Buffer {
  const sum = createHash('sha256').update(`jaksim-checkpoint-block\n${index}\n`).update(data).digest();
  return Buffer.concat([data, sum]);
}

let reference: string | undefined;
/** curves.csv of an uninterrupted run (computed once). */
async function referenceCurves(): Promise<string> {
  if (reference === undefined) {
    const r = await withEngine(1, (e) => runScenario(inputs(join(root, 'reference')), e, { command: '' }));
    reference = curvesCsv(r.result);
  }
  return reference;
}

describe('checkpoint blocks: checksum and range checks', () => {
  it('damaged or edited blocks (bytes flipped, truncated, extended, or impossible values behind a recomputed checksum) are recomputed with a warning; the results stay exact', async () => {
    const lay = layoutOf();
    const countAt = lay.firstResponse; // the first policy's first-response counts
    const tamper = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.integer({ min: 1, max: 64 }) }),
      fc.record({ kind: fc.constant('impossible' as const), at: fc.integer({ min: 0, max: lay.visitCount }), value: fc.constantFrom(NaN, Infinity, -1, 0.5, BLOCK_SIZE + 1, 1e300) }),
      fc.record({ kind: fc.constant('nan-anywhere' as const), at: fc.integer({ min: 0, max: lay.length - 1 }) }),
    );
    const cases = fc.sample(tamper, { seed: 7, numRuns: 8 });
    for (const [k, t] of cases.entries()) {
      const out = join(root, `cp-${k}`);
      const { folder, files } = await stoppedCheckpoint(out, 3);
      expect(files.length).toBeGreaterThan(0);
      const file = join(folder, files[0]);
      const index = Number(/block-(\d+)/.exec(files[0])![1]);
      const bytes = readFileSync(file);
      const data = Buffer.from(bytes.subarray(0, bytes.length - 32));
      if (t.kind === 'flip') { bytes[t.at % bytes.length] ^= t.byte; writeFileSync(file, bytes); }
      if (t.kind === 'truncate') writeFileSync(file, bytes.subarray(0, t.at % bytes.length));
      if (t.kind === 'extend') writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(t.extra)]));
      if (t.kind === 'impossible') { data.writeDoubleLE(t.value, 8 * (countAt + t.at)); writeFileSync(file, resealed(index, data)); }
      if (t.kind === 'nan-anywhere') { data.writeDoubleLE(NaN, 8 * t.at); writeFileSync(file, resealed(index, data)); }
      const log: string[] = [];
      const r = await withEngine(1, (e) => runWithCheckpoint(inputs(out), e, { command: '', log: (m) => log.push(m) }));
      expect(r.kind).toBe('done');
      expect(log.some((m) => m.includes(`warning: checkpoint block ${index} `) && /recomputing it/.test(m)), `${JSON.stringify(t)}: ${log.join(' | ')}`).toBe(true);
      if (r.kind === 'done') expect(curvesCsv(r.result), JSON.stringify(t)).toBe(await referenceCurves());
    }
  });

  it('a block file moved to another block\'s name fails its checksum (the index is in it)', async () => {
    const out = join(root, 'cp-moved');
    const { folder, files } = await stoppedCheckpoint(out, 3);
    expect(files.length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(folder, files[1]), readFileSync(join(folder, files[0])));
    const log: string[] = [];
    const r = await withEngine(1, (e) => runWithCheckpoint(inputs(out), e, { command: '', log: (m) => log.push(m) }));
    expect(log.join('\n')).toMatch(/checksum does not match/);
    if (r.kind === 'done') expect(curvesCsv(r.result)).toBe(await referenceCurves());
  });
});

describe('partial files: range checks on merge', () => {
  it('a partial re-checksummed after its aggregates were made impossible is refused naming the file and the block', async () => {
    const out = join(root, 'shards');
    const shard = await withEngine(1, (e) => runShard({ ...inputs(out), shard: { index: 1, count: 1 } }, e, { command: '' }));
    if (shard.kind !== 'done') throw new Error('shard stopped');
    const text = readFileSync(shard.file, 'utf8');
    const lay = layoutOf();
    const edits = fc.sample(fc.record({
      block: fc.integer({ min: 0, max: 4 }),
      at: fc.oneof(fc.integer({ min: lay.firstResponse, max: lay.linesUsed + lay.maxLines }), fc.integer({ min: 0, max: lay.length - 1 })),
      value: fc.constantFrom(NaN, Infinity, -Infinity, -1, 0.25, 2 * BLOCK_SIZE, 1e308),
    }), { seed: 8, numRuns: 40 });
    let n = 0;
    for (const edit of edits) {
      const countRegion = edit.at >= lay.firstResponse && edit.at <= lay.linesUsed + lay.maxLines;
      // Outside the count region only non-finite values are certainly impossible.
      if (!countRegion && Number.isFinite(edit.value)) continue;
      const doc = JSON.parse(text);
      const data = Buffer.from(doc.blocks[edit.block].data, 'base64');
      data.writeDoubleLE(edit.value, 8 * edit.at);
      doc.blocks[edit.block].data = data.toString('base64');
      const { checksum: _c, ...rest } = doc;
      doc.checksum = createHash('sha256').update(canonicalJson(rest)).digest('hex');
      const file = join(root, `forged-${n++}.partial.json`);
      writeFileSync(file, JSON.stringify(doc));
      let caught: unknown;
      try { mergePartials([file]); } catch (err) { caught = err; }
      expect(caught, JSON.stringify(edit)).toBeInstanceOf(UserError);
      expect((caught as Error).message).toMatch(new RegExp(`forged-\\d+\\.partial\\.json \\(shard 1/1\\): block ${edit.block} holds impossible aggregates`));
    }
    expect(n).toBeGreaterThan(15);
    // The unaltered file still merges.
    expect(mergePartials([shard.file]).result.patients).toBe(PATIENTS);
  });
});

describe('the engine fingerprint', () => {
  it('is a hash of the engine sources: the same in this process (tsx/vitest) and in the build\'s stamp, and it keys partials', async () => {
    expect(engineFingerprint()).toMatch(/^[0-9a-f]{16}$/);
    expect(engineFingerprint()).toBe(codeFingerprint('src', '.ts'));
    expect(JSON.parse(readFileSync('dist/engine-fingerprint.json', 'utf8')).fingerprint).toBe(engineFingerprint());
    const out = join(root, 'fp');
    const shard = await withEngine(1, (e) => runShard({ ...inputs(out), shard: { index: 1, count: 1 } }, e, { command: '' }));
    if (shard.kind !== 'done') throw new Error('shard stopped');
    const doc = JSON.parse(readFileSync(shard.file, 'utf8'));
    expect(doc.engineFingerprint).toBe(engineFingerprint());
    // The same version number, other code: refused (re-checksummed, so only the fingerprint tells them apart).
    doc.engineFingerprint = '0123456789abcdef';
    const { checksum: _c, ...rest } = doc;
    doc.checksum = createHash('sha256').update(canonicalJson(rest)).digest('hex');
    const file = join(root, 'other-code.partial.json');
    writeFileSync(file, JSON.stringify(doc));
    expect(() => mergePartials([file])).toThrow(/built from other code \(engine fingerprint 0123456789abcdef; this one is [0-9a-f]{16}\)/);
  });

  it('changes with any engine source file, and only with those', () => {
    const copy = mkdtempSync(join(root, 'src-'));
    const write = (rel: string, text: string) => { const p = join(copy, rel); writeFileSync(p, text); };
    for (const room of ['model', 'policy', 'rng', 'engine', 'io']) {
      mkdirSync(join(copy, room));
      write(`${room}/a.ts`, `export const room = '${room}';\n`);
    }
    const before = codeFingerprint(copy, '.ts');
    write('io/a.ts', 'export const changed = 1;\n');
    expect(codeFingerprint(copy, '.ts')).toBe(before);
    write('policy/a.ts', 'export const changed = 1;\n');
    expect(codeFingerprint(copy, '.ts')).not.toBe(before);
  });
});

describe('two concurrent checkpointed runs of one scenario into one --out', () => {
  it('Checkpoint.save and .remove never throw while another process empties or fills the folder at the same moment', async () => {
    const folder = join(root, 'contended');
    const cp = new Checkpoint(folder, 8, 100);
    const block = new Float64Array(8);
    // The other process alternately removes the folder and writes files into it until told to stop (at most 60 s),
    // so every one of a fixed number of calls meets the contention, however slow the machine (no timing in the test).
    const stop = join(root, 'contended.stop');
    const other = exec(process.execPath, ['-e', `
      const fs = require('fs'); const t = Date.now(); let i = 0;
      while (!fs.existsSync(${JSON.stringify(stop)}) && Date.now() - t < 60000) {
        try { if (i % 2) fs.rmSync(${JSON.stringify(folder)}, { recursive: true, force: true });
              else { fs.mkdirSync(${JSON.stringify(folder)}, { recursive: true }); fs.writeFileSync(${JSON.stringify(folder)} + '/x' + (i % 40), 'x'); } } catch {}
        i++;
      }`]);
    while (!existsSync(folder)) await new Promise((r) => setTimeout(r, 10)); // the other process has started
    for (let calls = 0; calls < 100; calls++) {
      expect(typeof cp.save(calls % 100, block)).toBe('boolean');
      expect(typeof cp.remove()).toBe('boolean');
    }
    writeFileSync(stop, '');
    await other;
  });

  it('both exit 0 with the same curves as one run (cleanup tolerates the other run)', async () => {
    const out = join(root, 'concurrent');
    const args = ['bin/jaksim.js', 'run', 'scenarios/default.yaml', '--patients', String(30 * BLOCK_SIZE), '--workers', '1', '--checkpoint', '--out', out];
    for (let round = 0; round < 2; round++) {
      const [a, b] = await Promise.all([0, 1].map(() => exec(process.execPath, args, { maxBuffer: 1 << 24 })
        .then((r) => ({ code: 0, stderr: r.stderr }), (e) => ({ code: e.code as number, stderr: e.stderr as string }))));
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(`${a.stderr}${b.stderr}`).not.toMatch(/internal error/);
    }
    const runs = readdirSync(join(out, 'default')).filter((f) => !f.startsWith('.'));
    expect(runs).toHaveLength(4);
    const curves = runs.map((r) => readFileSync(join(out, 'default', r, 'curves.csv'), 'utf8'));
    expect(new Set(curves).size).toBe(1);
  });
});
