// After `tsc`, record in dist/ the fingerprint of the engine sources it was compiled from (src/version.ts
// engineFingerprint): a build and tsx then agree, and a stale build is never taken for the new sources.
import { writeFileSync } from 'node:fs';
import { codeFingerprint, FINGERPRINT_FILE } from '../dist/version.js';

const fingerprint = codeFingerprint(new URL('../src', import.meta.url).pathname, '.ts');
writeFileSync(new URL(`../dist/${FINGERPRINT_FILE}`, import.meta.url), `${JSON.stringify({ fingerprint })}\n`);
