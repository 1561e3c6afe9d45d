// Which Chromium the browser tests drive: JAKSIM_CHROMIUM (a path, or `bundled`), else /usr/bin/chromium when
// installed, else the headless Chromium shipped inside the npm package @sparticuz/chromium (a devDependency), so
// `npm install && npm test` needs nothing outside the npm registry.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumChoice {
  executablePath: string;
  /** Where it came from, for messages: `JAKSIM_CHROMIUM`, `system` or `bundled`. */
  source: 'JAKSIM_CHROMIUM' | 'system' | 'bundled';
  /** Environment for the browser process (the bundled binary's libraries and fonts); undefined: inherit. */
  env?: Record<string, string>;
}

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

const executable = (file: string): boolean => {
  try { accessSync(file, constants.X_OK); return true; } catch { return false; }
};

/** Resolve the browser once per test file; `JAKSIM_CHROMIUM=bundled` forces the npm package's binary. */
export function chooseChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  const wanted = env.JAKSIM_CHROMIUM;
  if (wanted && wanted !== 'bundled') {
    if (!executable(wanted)) throw new Error(`JAKSIM_CHROMIUM=${wanted}: no executable there`);
    return { executablePath: wanted, source: 'JAKSIM_CHROMIUM' };
  }
  if (!wanted && executable(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system' };
  return bundledChromium();
}

/**
 * Unpack @sparticuz/chromium's brotli archives (the binary, its NSS libraries built for Amazon Linux 2023,
 * SwiftShader and fonts) once into node_modules/.cache, atomically: each process unpacks into its own staging
 * folder and renames it into place, so concurrent test files never see a half-written browser. The package's
 * own extractor writes to os.tmpdir(); it runs in a child process whose TMPDIR is the staging folder (and whose
 * AWS_EXECUTION_ENV asks it for the libraries too, which it otherwise unpacks only on AWS Lambda).
 */
export function bundledChromium(): ChromiumChoice {
  const pkg = join(ROOT, 'node_modules', '@sparticuz', 'chromium');
  if (!existsSync(join(pkg, 'package.json'))) throw new Error('@sparticuz/chromium is not installed: run npm install');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const cacheRoot = join(ROOT, 'node_modules', '.cache', 'jaksim-chromium');
  const dir = join(cacheRoot, version);
  if (!existsSync(join(dir, 'chromium'))) {
    mkdirSync(cacheRoot, { recursive: true });
    const stage = mkdtempSync(join(cacheRoot, `.stage-${process.pid}-`));
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e',
        'import c from "@sparticuz/chromium"; process.stdout.write(await c.executablePath());'], {
        cwd: ROOT, env: { ...process.env, TMPDIR: stage, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (!existsSync(join(stage, 'chromium')) || !existsSync(join(stage, 'al2023', 'lib', 'libnss3.so'))) {
        throw new Error(`@sparticuz/chromium ${version} unpacked no chromium binary and libraries into ${stage}`);
      }
      // The package's fonts.conf names /tmp/fonts; point fontconfig at the fonts unpacked here.
      writeFileSync(join(stage, 'fonts', 'fonts.conf'), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts', 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`);
      renameSync(stage, dir);
    } catch (err) {
      rmSync(stage, { recursive: true, force: true });
      // Another process renamed its copy into place first: use that one.
      if (!existsSync(join(dir, 'chromium'))) throw err;
    }
  }
  return {
    executablePath: join(dir, 'chromium'),
    source: 'bundled',
    env: {
      ...process.env as Record<string, string>,
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: join(dir, 'fonts'),
    },
  };
}
