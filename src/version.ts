// The engine version reported with every result: the package version.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const ENGINE_VERSION: string = pkg.version;
