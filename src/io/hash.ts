// Content hashes of documents: canonical JSON (keys sorted at every level) and its SHA-256.
import { createHash } from 'node:crypto';
import type { Scenario } from '../model/scenario.js';
import { jsonChunks } from './jsonStream.js';

/** Keys sorted at every level: the same document always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}

/** SHA-256 (hex) of text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of a document, hashed piece by piece (a partial can outgrow a string). */
export function documentHash(doc: unknown): string {
  const hash = createHash('sha256');
  for (const piece of jsonChunks(doc, 0, true)) hash.update(piece);
  return hash.digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of a resolved scenario (seed and patients included). */
export function scenarioHash(s: Scenario): string {
  return documentHash(s);
}
