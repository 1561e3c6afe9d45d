// The README's copies of the example files (the Slurm scripts, the Kubernetes manifest) are the files, byte for byte.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `<!-- embed: PATH -->` followed by a fenced block: PATH -> the block's text. */
function embedded(readme: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/^<!-- embed: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm)) {
    expect(out.has(m[1]), `${m[1]} embedded twice`).toBe(false);
    out.set(m[1], m[2]);
  }
  return out;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])).sort();

describe('README embeds examples/', () => {
  const copies = embedded(readFileSync('README.md', 'utf8'));

  it('embeds every file under examples/, and only those', () => {
    expect([...copies.keys()].sort()).toEqual(filesUnder('examples'));
    expect(copies.size).toBeGreaterThanOrEqual(3);
  });

  it.each(filesUnder('examples'))('its copy of %s is the file byte for byte', (file) => {
    expect(copies.get(file)).toBe(readFileSync(file, 'utf8'));
  });
});
