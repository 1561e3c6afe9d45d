// `jaksim power <scenario>`: flags, the engine, the power table (parallel-group or SMART designs, issue 7).
import { runPower } from '../app/power.js';
import type { PowerInputs } from '../app/powerPlan.js';
import { withEngine } from '../engine/pool.js';
import type { PowerResult } from '../io/powerReport.js';
import type { CliContext } from './context.js';
import { checkInteger, checkWorkers } from './flags.js';
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
