// After `tsc`: bundle the clinic page's Web Worker (src/app/clinicWorker.ts, the same src/model and predict code as
// the CLI) for the browser into dist/clinic/worker.js, which `jaksim clinic` inlines into its page.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/app/clinicWorker.ts', import.meta.url).pathname],
  outfile: new URL('../dist/clinic/worker.js', import.meta.url).pathname,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  // seedrandom tries require('crypto') for autoseeding inside a try; jaksim always seeds it.
  external: ['crypto'],
  logLevel: 'warning',
});
