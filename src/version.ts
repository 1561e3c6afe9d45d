// The engine version reported with every result (the package version), and the engine fingerprint that keys
// partial results and checkpoints: a hash of the code that computes block aggregates, so blocks of changed
// code never mix with blocks of the old one, whatever the version number says.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const ENGINE_VERSION: string = pkg.version;

/** The rooms whose code decides a block's aggregates (the model, the policies, the streams, the block runner). */
export const ENGINE_ROOMS = ['model', 'policy', 'rng', 'engine'];

/** Where a build stamps the fingerprint of the sources it was compiled from (scripts/stamp-engine.mjs). */
export const FINGERPRINT_FILE = 'engine-fingerprint.json';

/**
 * SHA-256 (first 16 hex digits) of the engine rooms' files under `root` with extension `ext`: their paths
 * and contents in path order. For the sources (`.ts`) this is the same under tsx and in a build's stamp.
 */
export function codeFingerprint(root: string, ext: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(ext)) files.push(path);
    }
  };
  for (const room of ENGINE_ROOMS) walk(join(root, room));
  const hash = createHash('sha256');
  for (const f of files.map((p) => relative(root, p).split('\\').join('/')).sort()) {
    hash.update(`${f}\n`).update(readFileSync(join(root, f))).update('\n');
  }
  return hash.digest('hex').slice(0, 16);
}

let fingerprint: string | undefined;

/**
 * The engine fingerprint, computed once: under tsx, of the .ts sources that run; in a build, the stamp of
 * the sources it was compiled from (or, without a stamp, of the compiled engine files themselves).
 */
export function engineFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const here = dirname(fileURLToPath(import.meta.url));
  if (import.meta.url.endsWith('.ts')) {
    fingerprint = codeFingerprint(here, '.ts');
  } else {
    try {
      const stamp = JSON.parse(readFileSync(join(here, FINGERPRINT_FILE), 'utf8')) as { fingerprint?: unknown };
      if (typeof stamp.fingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(stamp.fingerprint)) throw new Error('bad stamp');
      fingerprint = stamp.fingerprint;
    } catch {
      fingerprint = `js-${codeFingerprint(here, '.js')}`;
    }
  }
  return fingerprint;
}
