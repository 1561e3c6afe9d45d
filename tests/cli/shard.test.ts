// Sharded runs merged, and checkpointed runs killed and resumed: results byte-identical to one uninterrupted run.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

const exec = promisify(execFile);

async function jaksim(args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/jaksim.js', ...args], { maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The one finished run folder under `out/default`. */
function runFolder(out: string): string {
  const runs = readdirSync(join(out, 'default')).filter((f) => !f.startsWith('.') && !f.startsWith('shards-'));
  expect(runs).toHaveLength(1);
  return join(out, 'default', runs[0]);
}

/** summary.json without the command line (which names the command that made it). */
function summaryOf(folder: string): string {
  const doc = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  delete doc.command;
  return JSON.stringify(doc);
}

async function captureCli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('run --shard and merge', () => {
  const base = ['scenarios/default.yaml', '--patients', '20000', '--workers', '1'];

  it('1 run vs 3 shards merged: curves.csv byte-identical, summary.json equal but for the command', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-shard-'));
    const single = join(root, 'single');
    const shards = join(root, 'shards');
    expect((await jaksim(['run', ...base, '--out', single])).code).toBe(0);
    for (const i of [1, 2, 3]) {
      const r = await jaksim(['run', ...base, '--shard', `${i}/3`, '--out', shards]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Shard ${i}/3`);
    }
    const shardDir = readdirSync(join(shards, 'default')).filter((f) => f.startsWith('shards-'));
    expect(shardDir).toHaveLength(1);
    const folder = join(shards, 'default', shardDir[0]);
    expect(readdirSync(folder).sort()).toEqual(['shard-1-of-3.partial.json', 'shard-2-of-3.partial.json', 'shard-3-of-3.partial.json']);

    const merged = join(root, 'merged');
    expect((await jaksim(['merge', folder, '--out', merged])).code).toBe(0);
    const a = runFolder(single);
    const b = runFolder(merged);
    expect(readFileSync(join(b, 'curves.csv'), 'utf8')).toBe(readFileSync(join(a, 'curves.csv'), 'utf8'));
    expect(summaryOf(b)).toBe(summaryOf(a));

    // A missing shard, a duplicated shard, shards of another seed, a damaged file: one line, exit 2.
    const f = (i: number) => join(folder, `shard-${i}-of-3.partial.json`);
    const missing = await captureCli(['merge', f(1), f(3), '--out', join(root, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/blocks are missing.*shard 2\/3 not given/);
    const twice = await captureCli(['merge', folder, f(2), '--out', join(root, 'x')]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/covered twice.*shard 2\/3/);

    expect((await jaksim(['run', ...base, '--seed', '5', '--shard', '2/3', '--out', join(root, 'other')])).code).toBe(0);
    const otherDir = readdirSync(join(root, 'other', 'default'))[0];
    const mixed = await captureCli(['merge', f(1), join(root, 'other', 'default', otherDir, 'shard-2-of-3.partial.json'), f(3), '--out', join(root, 'x')]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/not shards of the same run: they differ in scenario .*seed \(5 vs 20251008\)/);

    const text = readFileSync(f(2), 'utf8');
    const altered = join(root, 'altered.partial.json');
    writeFileSync(altered, text.replace('"seed":20251008', '"seed":20251009'));
    const bad = await captureCli(['merge', f(1), altered, f(3), '--out', join(root, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/checksum does not match/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});

describe('sweep --shard and merge', () => {
  it('a 2-point sweep in 3 shards merged: sweep.csv byte-identical, sweep.json equal but for the command; a missing shard named', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-sweep-shard-'));
    const args = ['sweep', 'scenarios/default.yaml', '--set', 'rhoClass=0,0.5', '--patients', '9000', '--workers', '1'];
    expect((await jaksim([...args, '--out', join(root, 'single')])).code).toBe(0);
    for (const i of [1, 2, 3]) expect((await jaksim([...args, '--shard', `${i}/3`, '--out', join(root, 'sh')])).code).toBe(0);
    const folder = join(root, 'sh', 'default', readdirSync(join(root, 'sh', 'default'))[0]);
    expect(folder).toMatch(/sweep-shards-/);
    expect((await jaksim(['merge', folder, '--out', join(root, 'merged')])).code).toBe(0);
    const a = runFolder(join(root, 'single'));
    const b = runFolder(join(root, 'merged'));
    expect(readFileSync(join(b, 'sweep.csv'), 'utf8')).toBe(readFileSync(join(a, 'sweep.csv'), 'utf8'));
    const json = (f: string) => { const d = JSON.parse(readFileSync(join(f, 'sweep.json'), 'utf8')); delete d.command; return JSON.stringify(d); };
    expect(json(b)).toBe(json(a));

    // Units: point 0 blocks 0-2 -> shards 1, 2, 3; point 1 blocks 0-2 -> shards 1, 2, 3.
    rmSync(join(folder, 'point-1', 'shard-2-of-3.partial.json'));
    const missing = await captureCli(['merge', folder, '--out', join(root, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/sweep point 1: 1 of 3 blocks are missing \(blocks 1\): shard 2\/3 not given/);
  });
});

describe('run --checkpoint', () => {
  it('killed with SIGKILL part way and started again, ends with the same curves as an uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-ckpt-'));
    // 367 blocks: a few seconds with one worker, so the poll always catches it mid-run.
    const args = ['run', 'scenarios/default.yaml', '--patients', '1500000', '--workers', '1', '--checkpoint', '--out', join(root, 'ck')];
    const child = spawn(process.execPath, ['bin/jaksim.js', ...args], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const scenarioDir = join(root, 'ck', 'default');
    const savedBlocks = () => {
      if (!existsSync(scenarioDir)) return 0;
      const ck = readdirSync(scenarioDir).find((f) => f.startsWith('.checkpoint-'));
      return ck ? readdirSync(join(scenarioDir, ck)).filter((f) => f.endsWith('.f64')).length : 0;
    };
    let saved = 0;
    let finished = false;
    void exited.then(() => { finished = true; });
    while (!finished && (saved = savedBlocks()) < 10) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(saved).toBeGreaterThanOrEqual(10);
    const left = savedBlocks();
    expect(left).toBeLessThan(367); // stopped part way
    expect(readdirSync(scenarioDir).filter((f) => !f.startsWith('.'))).toEqual([]); // no finished-looking folder

    const resumed = await jaksim(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming: ${left} of 367 blocks already saved`));
    expect(readdirSync(scenarioDir).filter((f) => f.startsWith('.'))).toEqual([]); // checkpoint removed

    const plain = await jaksim(['run', 'scenarios/default.yaml', '--patients', '1500000', '--workers', '1', '--out', join(root, 'plain')]);
    expect(plain.code).toBe(0);
    const a = join(root, 'plain', 'default', readdirSync(join(root, 'plain', 'default'))[0]);
    const b = join(root, 'ck', 'default', readdirSync(scenarioDir)[0]);
    expect(readFileSync(join(b, 'curves.csv'), 'utf8')).toBe(readFileSync(join(a, 'curves.csv'), 'utf8'));
    expect(summaryOf(b)).toBe(summaryOf(a));
  });

  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s stops it, says where and how to resume, exits %i', async (sig, exitCode) => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-ckpt-int-'));
    const args = ['run', 'scenarios/default.yaml', '--patients', '1500000', '--workers', '1', '--checkpoint', '--out', root];
    const child = spawn(process.execPath, ['bin/jaksim.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const dir = join(root, 'default');
    const saved = () => {
      if (!existsSync(dir)) return 0;
      const ck = readdirSync(dir).find((f) => f.startsWith('.checkpoint-'));
      return ck ? readdirSync(join(dir, ck)).filter((f) => f.endsWith('.f64')).length : 0;
    };
    let finished = false;
    void exited.then(() => { finished = true; });
    while (!finished && saved() < 5) await new Promise((r) => setTimeout(r, 10));
    expect(finished).toBe(false); // the run must still be going when the signal is sent
    child.kill(sig);
    expect(await exited).toBe(exitCode);
    expect(stderr).toMatch(new RegExp(`${sig}: stopped after \\d+ of 367 blocks \\(saved in .*\\.checkpoint-.*\\); run the same command again to resume`));
  });
});

describe('merge of the shards\' --out folder', () => {
  it('finds the one shard folder in --out or its scenario folder; the command a shard prints merges it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-merge-out-'));
    const out = join(root, 'out dir'); // a space: the printed command quotes it
    const args = ['run', 'scenarios/default.yaml', '--patients', '9000', '--workers', '1', '--out', out];
    let printed = '';
    for (const i of [1, 2]) {
      const r = await jaksim([...args, '--shard', `${i}/2`]);
      expect(r.code).toBe(0);
      printed = /^Merge once every shard is done: (.*)$/m.exec(r.stdout)?.[1] ?? '';
    }
    const folder = join(out, 'default', readdirSync(join(out, 'default'))[0]);
    expect(printed).toBe(`npx jaksim merge '${folder}' --out '${out}'`);
    const viaPrinted = await exec('sh', ['-c', printed]);
    expect(viaPrinted.stdout).toContain('Merged 2 partial result(s).');
    for (const given of [out, join(out, 'default')]) {
      const r = await captureCli(['merge', given, '--out', join(root, 'm')]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Merged 2 partial result(s).');
    }
    const single = join(root, 'single');
    expect((await jaksim(['run', 'scenarios/default.yaml', '--patients', '9000', '--workers', '1', '--out', single])).code).toBe(0);
    const merged = readdirSync(join(root, 'm', 'default')).map((f) => join(root, 'm', 'default', f));
    expect(merged).toHaveLength(2);
    for (const m of [...merged, runFolder(out)]) expect(readFileSync(join(m, 'curves.csv'), 'utf8')).toBe(readFileSync(join(runFolder(single), 'curves.csv'), 'utf8'));

    // Another run's shards in the same --out folder: which one is meant is asked, not guessed.
    expect((await jaksim([...args, '--seed', '7', '--shard', '1/2'])).code).toBe(0);
    const two = await captureCli(['merge', out, '--out', join(root, 'x')]);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/out dir holds the shards of 2 runs or sweeps \(.*shards-[0-9a-f]{12}, .*shards-[0-9a-f]{12}\); give the one to merge/);
    const none = await captureCli(['merge', single, '--out', join(root, 'x')]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/single: no partial results: no \*\.partial\.json files, and no shards-\*\/ or sweep-shards-\*\/ folder/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});

describe('run --shard --checkpoint', () => {
  it('a shard stopped by SIGTERM resumes from its saved blocks; merged, equal to one run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-shard-ckpt-'));
    const out = join(root, 'sh');
    // 147 blocks, 74 in shard 1: a few seconds with one worker, so the poll catches it mid-run.
    const base = ['run', 'scenarios/default.yaml', '--patients', '600000', '--workers', '1', '--out', out];
    const args = [...base, '--shard', '1/2', '--checkpoint'];
    const child = spawn(process.execPath, ['bin/jaksim.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const dir = join(out, 'default');
    const saved = () => {
      if (!existsSync(dir)) return 0;
      const ck = readdirSync(dir).find((f) => /^\.checkpoint-.*-shard-1-of-2$/.test(f));
      return ck ? readdirSync(join(dir, ck)).filter((f) => f.endsWith('.f64')).length : 0;
    };
    let finished = false;
    void exited.then(() => { finished = true; });
    while (!finished && saved() < 5) await new Promise((r) => setTimeout(r, 10));
    expect(finished).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const kept = saved();
    expect(stderr).toContain(`SIGTERM: stopped after ${kept} of 74 blocks`);
    expect(kept).toBeLessThan(74);
    expect(readdirSync(dir).filter((f) => f.startsWith('shards-'))).toEqual([]); // no partial yet

    const resumed = await jaksim(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming: ${kept} of 74 blocks already saved`);
    expect(resumed.stdout).toContain('Shard 1/2: 74 of 147 blocks');
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]); // checkpoint removed
    expect((await jaksim([...base, '--shard', '2/2'])).code).toBe(0);
    expect((await jaksim(['merge', out, '--out', join(root, 'merged')])).code).toBe(0);
    const single = join(root, 'single');
    expect((await jaksim([...base.slice(0, -1), single])).code).toBe(0);
    const a = runFolder(single);
    const b = runFolder(join(root, 'merged'));
    expect(readFileSync(join(b, 'curves.csv'), 'utf8')).toBe(readFileSync(join(a, 'curves.csv'), 'utf8'));
    expect(summaryOf(b)).toBe(summaryOf(a));
  });
});

describe('psa --shard and merge', () => {
  it('PSA shards merged by `jaksim merge` (from the --out folder, with the printed command) equal one machine\'s PSA', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jaksim-psa-shard-'));
    const args = ['psa', 'scenarios/default.yaml', '--draws', '4', '--patients-per-draw', '4000', '--decision-month', '12', '--workers', '1'];
    let printed = '';
    for (const i of [1, 2]) {
      const r = await jaksim([...args, '--shard', `${i}/2`, '--out', join(root, 'sh')]);
      expect(r.code).toBe(0);
      printed = /^Merge once every shard is done: (.*)$/m.exec(r.stdout)?.[1] ?? '';
    }
    const folder = join(root, 'sh', 'default', readdirSync(join(root, 'sh', 'default'))[0]);
    expect(folder).toMatch(/psa-shards-[0-9a-f]{12}$/);
    expect(printed).toBe(`npx jaksim merge ${folder} --out ${join(root, 'sh')}`);
    expect((await jaksim([...args, '--out', join(root, 'single')])).code).toBe(0);
    const merged = await captureCli(['merge', join(root, 'sh'), '--out', join(root, 'merged'), '--json']);
    expect(merged.code).toBe(0);
    const doc = JSON.parse(merged.out);
    expect(doc.voi.decisionMonth).toBe(12); // the shards' own --decision-month, not the default horizon
    const psaCsv = (out: string) => readFileSync(join(runFolder(out), 'psa.csv'), 'utf8');
    expect(psaCsv(join(root, 'merged'))).toBe(psaCsv(join(root, 'single')));
    const viaPrinted = await exec('sh', ['-c', printed]);
    expect(viaPrinted.stdout).toContain('Probability of being best at 12 months');

    // A shard started with other flags (same draws, another decision month) is not merged with them.
    expect((await jaksim([...args.slice(0, -4), '--decision-month', '6', '--workers', '1', '--shard', '2/2', '--out', join(root, 'other')])).code).toBe(0);
    const otherFolder = join(root, 'other', 'default', readdirSync(join(root, 'other', 'default'))[0]);
    const mixed = await captureCli(['merge', join(folder, 'shard-1-of-2.partial.json'), join(otherFolder, 'shard-2-of-2.partial.json'), '--out', join(root, 'x')]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/are not shards of the same PSA: they were started with different psa flags/);
    rmSync(join(folder, 'shard-2-of-2.partial.json'));
    const missing = await captureCli(['merge', folder, '--out', join(root, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/units are missing: shard 2\/2 not given/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});
