// `jaksim power <scenario>`: flags, the engine, the power table (parallel-group or SMART designs, issue 7).
import type { Argv } from 'yargs';
import { runPower } from '../app/power.js';
import type { PowerInputs } from '../app/powerPlan.js';
import { withEngine } from '../engine/pool.js';
import type { PowerResult } from '../io/powerReport.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers, defaultWorkers } from './flags.js';
import { printFolder } from './print.js';
import { oneLine } from './tables.js';
import { TABLE_WIDTH, wrapText } from '../io/columns.js';

export interface PowerArgs extends PowerInputs {
  workers: number;
  out: string;
  json: boolean;
}

function formatTable(r: PowerResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    r.design === 'smart'
      ? `SMART ${r.scenario}: ${r.options!.join(' / ')} after non-response at month ${r.decisionMonth}; ${r.compare!.join(' vs ')}, ${r.endpoint}, IPW z test, alpha ${r.alpha} (${r.sides}-sided), ${r.trials} trials per n`
      : `${r.scenario}: ${r.arms.join(' vs ')} (${r.ratio}), ${r.endpoint}, ${r.test} test, alpha ${r.alpha} (${r.sides}-sided), ${r.trials} trials per n`,
    '     n  power (95% MC)          type I error (95% MC)   effect mean (2.5%..97.5%)',
  ];
  for (const p of r.results) {
    lines.push(`${String(p.n).padStart(6)}  ${`${pct(p.power)} (${pct(p.lo)}-${pct(p.hi)})`.padEnd(23)} ${`${pct(p.typeIError)} (${pct(p.typeILo)}-${pct(p.typeIHi)})`.padEnd(23)} ${p.effect.mean.toFixed(3)} (${p.effect.q025.toFixed(3)}..${p.effect.q975.toFixed(3)})`);
  }
  if (r.design === 'smart') {
    const last = r.results[r.results.length - 1];
    lines.push(`Embedded regimes' ${r.endpoint} (IPW, mean over the trials at n = ${last.n}): ${last.means.map((m) => `${m.id} ${m.mean.toFixed(3)}`).join(', ')}`);
  }
  lines.push(r.sampleSize === null
    ? `No n of the grid reaches ${pct(r.target)} power.`
    : `Sample size for ${pct(r.target)} power: n = ${r.sampleSize} (${r.sampleSizeSearch?.note}).`);
  lines.push(`${r.elapsedSeconds.toFixed(1)} s`);
  // Policy ids are user text: a newline or control character in one is shown escaped, the table stays one line a row.
  return lines.map((l) => wrapText(oneLine(l), TABLE_WIDTH, '  ')).join('\n');
}

export async function powerCommand(a: PowerArgs, cli: CliContext): Promise<number> {
  checkWorkers(a.workers);
  checkInteger('seed', a.seed, 0, Number.MAX_SAFE_INTEGER);
  const { result, folder } = await cli.withProgress(!a.json, `${a.scenario} power`,
    (ctx) => withEngine(a.workers, (engine) => runPower(a, engine, ctx)));
  if (a.json) {
    cli.io.out(JSON.stringify({ ...result, command: cli.command }));
  } else {
    cli.io.out(formatTable(result));
    printFolder(cli.io, folder);
  }
  return 0;
}

/** yargs options of `jaksim power` (registered in main.ts). */
export function withPowerOptions<T>(y: Argv<T>) {
  return y
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON)' })
    .option('design', { type: 'string', default: 'parallel', describe: 'parallel or smart' })
    .option('arms', { type: 'string', describe: 'parallel: two policy ids, arm 1,arm 2 (the same twice for a null design)' })
    .option('options', { type: 'string', describe: 'smart: policy ids sharing the first drug, re-randomised among for non-responders' })
    .option('decision-month', { type: 'number', describe: 'smart: month of the re-randomisation (default: the options\' smallest failAtMonths)' })
    .option('compare', { type: 'string', describe: 'smart: the two embedded regimes compared (default: the first two options)' })
    .option('endpoint', { type: 'string', default: 'cumulative@12', describe: 'cumulative@<month>, point@<month> or nonresponse' })
    .option('n', { type: 'string', default: '100,200,300,400', describe: 'comma-separated total sample sizes' })
    .option('alpha', { type: 'number', default: 0.05, describe: 'significance level' })
    .option('sides', { type: 'number', default: 2, describe: '1 (arm 2 better than arm 1) or 2' })
    .option('trials', { type: 'number', default: 2000, describe: 'simulated trials per n' })
    .option('test', { type: 'string', describe: 'z (default), fisher or newcombe; welch for nonresponse' })
    .option('ratio', { type: 'string', default: '1:1', describe: 'parallel: allocation arm 1 : arm 2' })
    .option('target', { type: 'number', default: 0.8, describe: 'target power for the sample size' })
    .option('seed', { type: 'number', describe: 'random seed (default: the scenario\'s)' })
    .option('workers', { type: 'number', default: defaultWorkers(), describe: 'worker threads (results do not depend on it)' })
    .option('out', { type: 'string', default: 'results', describe: 'folder for results/<scenario>/<run-id>/' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON document on stdout' });
}
