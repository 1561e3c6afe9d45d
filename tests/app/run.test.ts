// runScenario's afterSimulation hook (the CLI closes its engine there, so the report is rendered without the
// workers' heaps): called once, after the simulation and before anything is written; the results do not change.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/app/run.js';
import { Engine, withEngine } from '../../src/engine/pool.js';

const root = mkdtempSync(join(tmpdir(), 'jaksim-app-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const inputs = (out: string) => ({ scenario: 'scenarios/default.yaml', patients: 10_000, out });

describe('runScenario afterSimulation', () => {
  it('runs once between the simulation and the writing; closing a 2-worker engine there gives the same curves as an engine kept open', async () => {
    const out = join(root, 'closed');
    const engine = new Engine({ workers: 2 });
    const calls: boolean[] = [];
    let closed;
    try {
      closed = await runScenario(inputs(out), engine, { command: '' }, async () => {
        calls.push(existsSync(join(out, 'default')));
        await engine.close();
      });
    } finally {
      await engine.close();
    }
    expect(calls).toEqual([false]); // once, and nothing written yet
    const open = await withEngine(2, (e) => runScenario(inputs(join(root, 'open')), e, { command: '' }));
    expect(readFileSync(join(closed.folder, 'curves.csv'), 'utf8')).toBe(readFileSync(join(open.folder, 'curves.csv'), 'utf8'));
    expect(closed.result.policies[0].responders).toBeGreaterThan(0);
  });
});
