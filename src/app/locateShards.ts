// Where merge finds the shards: a path the user gave, resolved to partial files or a shard folder.
import { readdirSync, statSync } from 'node:fs';
import { UserError } from '../io/errors.js';
import { findShardFolders } from '../io/partialFile.js';
import { isSweepShardFolder } from './sweepShards.js';

/**
 * A folder holding neither partial files nor a sweep header (the --out folder
 * the shards were given, or its <scenario> folder) stands for the one shard
 * folder in it; other paths are kept as given.
 */
export function locateShards(path: string): string {
  let entries: string[];
  try {
    if (!statSync(path).isDirectory() || isSweepShardFolder(path)) return path;
    entries = readdirSync(path);
  } catch {
    return path; // listPartialFiles names what is wrong with it
  }
  if (entries.some((f) => f.endsWith('.partial.json'))) return path;
  const found = findShardFolders(path);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new UserError(`${path}: no partial results: no *.partial.json files, and no shards-*/ or sweep-shards-*/ folder in it or in its scenario folders`);
  }
  throw new UserError(`${path} holds the shards of ${found.length} runs or sweeps (${found.slice(0, 4).join(', ')}${found.length > 4 ? ', ...' : ''}); give the one to merge`);
}
