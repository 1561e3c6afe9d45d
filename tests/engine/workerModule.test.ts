// Issue 11 class 17: Node 20's require() of an ES module with a default export builds a facade module
// whose instantiation aborts the process (rc 134, "Assertion failed: facade->InstantiateModule") when the
// worker thread is terminated at that moment. piscina require()s the worker module first, and a pool closed
// while a worker starts terminates it. The worker module therefore has no default export: its handler is
// the named export `work`, which the pool names (Node then returns the namespace itself, no facade).
// The race itself takes minutes per crash to hit (README "Limits and guarantees"): not a unit test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withEngine } from '../../src/engine/pool.js';
import { compileScenario } from '../../src/model/compile.js';
import { validateScenario } from '../../src/io/scenario.js';

describe('the worker module', () => {
  it('has no default export (source and build) and the pool loads its named handler `work`', () => {
    for (const file of ['src/engine/worker.ts', 'dist/engine/worker.js']) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/export\s+default|export\s*\{[^}]*\bas\s+default\b/);
      expect(text, file).toMatch(/export (async )?function work\(/);
    }
    expect(readFileSync('src/engine/pool.ts', 'utf8')).toMatch(/name: 'work'/);
  });

  it('engines closed at once, before and while their workers start, close cleanly and still run afterwards', async () => {
    for (let i = 0; i < 10; i++) await withEngine(2, async () => { await new Promise((r) => setTimeout(r, i * 15)); });
    const s = validateScenario({ patients: 9000, policies: [{ id: 'p', sequence: ['baricitinib-4mg'] }] }, 's.yaml');
    const acc = await withEngine(2, (e) => e.run(compileScenario(s)));
    expect(acc.length).toBeGreaterThan(0);
  });
});
