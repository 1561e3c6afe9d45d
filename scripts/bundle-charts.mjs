// After `tsc`: vega and vega-lite bundled into dist/vendor/charts.js, which io/charts.ts loads in a build. The
// packages are some 300 module files; resolving, reading and linking them was about a quarter of a second of
// every command that writes a report (run, sweep, psa, power, calibrate, predict --out). Same code, not
// minified (names kept as they are); under tsx and vitest the packages themselves are loaded.
import { build } from 'esbuild';

await build({
  stdin: {
    contents: "export * as vega from 'vega';\nexport { compile } from 'vega-lite';\n",
    resolveDir: new URL('..', import.meta.url).pathname,
    loader: 'js',
  },
  outfile: new URL('../dist/vendor/charts.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'inline',
  logLevel: 'warning',
});
