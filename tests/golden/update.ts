// Regenerate tests/golden/<case>/ from the current build: `npm run build && npx tsx tests/golden/update.ts`.
// Only when a result is meant to change; the commit that does so says why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from './cases.js';

const root = new URL('.', import.meta.url).pathname;
for (const c of CASES) {
  const files = await c.produce();
  mkdirSync(join(root, c.name), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, c.name, name), text);
  process.stdout.write(`${c.name}: ${Object.keys(files).join(', ')}\n`);
}
