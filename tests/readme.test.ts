// The README's "Use from a script" example runs as written against the built package and agrees with the CLI run.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);

describe('README example', () => {
  it('imports jaksim by name and prints the month-12 rates of the golden default run', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Use from a script'));
    const code = /```js\n([\s\S]*?)```/.exec(section)![1];
    // Inside the package folder, `jaksim` resolves to this package itself (package.json "exports").
    const file = '.readme-example.mjs';
    writeFileSync(file, code);
    let stdout: string;
    try {
      ({ stdout } = await exec(process.execPath, [file]));
    } finally {
      rmSync(file, { force: true });
    }
    const golden = JSON.parse(readFileSync('tests/golden/run-default/summary.json', 'utf8')) as {
      policies: { id: string; cumulative: { month: number; rate: number; lo: number; hi: number }[] }[];
    };
    const expected = golden.policies.map((p) => {
      const m12 = p.cumulative.find((c) => c.month === 12)!;
      return `${p.id}: ${m12.rate} responded by month 12 (95% ${m12.lo} to ${m12.hi})`;
    });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
