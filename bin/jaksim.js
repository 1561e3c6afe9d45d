#!/usr/bin/env node
// The `jaksim` command: the compiled CLI (npm run build; `prepare` builds it on npm install / npm ci).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('jaksim: the compiled build is missing: run `npm run build` (or use `npm run dev -- <command>` through tsx)\n');
  process.exit(1);
}
await import(compiled.href);
