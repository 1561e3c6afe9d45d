// What the commands print with: the output streams, paths shown relative to the working folder, result folders.
import { join, relative } from 'node:path';

/** Where a command prints: stdout and stderr, one call per line or block. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stdout without a line end added: the pieces of a document too large for one string (else `out` gets it whole). */
  write?: (piece: string) => void;
}

/** Print a document given in pieces (io/jsonStream.ts), ending with one line end. */
export function printChunks(io: Io, pieces: Iterable<string>): void {
  if (!io.write) {
    io.out([...pieces].join(''));
    return;
  }
  let last = '';
  for (const piece of pieces) {
    if (piece.length > 0) last = piece;
    io.write(piece);
  }
  if (!last.endsWith('\n')) io.write('\n');
}

/** A path as the user sees it: relative to the working folder where that is shorter to read. */
export const showPath = (path: string): string => relative(process.cwd(), path) || path;

/** The lines that end a command that wrote a results folder with a report. */
export function printFolder(io: Io, folder: string, lead = ''): void {
  io.out(`\n${lead}Results: ${showPath(folder)}`);
  io.out(`Report: ${showPath(join(folder, 'report.html'))}`);
}

/** The exact command that merges the shards writing into `folder` (printed by each shard), quoted for a POSIX shell. */
export function mergeCommandFor(folder: string, outRoot: string, allowLarge: boolean): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);
  return ['npx', 'jaksim', 'merge', folder, '--out', outRoot, ...(allowLarge ? ['--allow-large'] : [])].map(quote).join(' ');
}
