// Output locations checked before any work: a folder that exists or can be created, where this process may
// write, or a file path that is (or will be) a regular file. Nothing is created by the check, so bad input
// still writes nothing; computed results are never lost to an output that could not have been written.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.js';
import { errnoReason, fileKind } from './inputFile.js';

/** The deepest existing path at or above `path`, and its stat. */
function nearestExisting(path: string): { at: string; st: Stats } {
  let at = resolve(path);
  for (;;) {
    try {
      return { at, st: statSync(at) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const up = dirname(at);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === at) throw err;
      at = up;
    }
  }
}

function writable(at: string): string | null {
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'on a read-only file system';
    return code === 'EACCES' || code === 'EPERM' ? 'no permission to write there' : errnoReason(err);
  }
}

/**
 * Check that `folder` can hold results: it is a folder, or can be created under the nearest existing
 * folder, and this process may write there. `flag` (such as --out) and `given` (its value) name it.
 * @throws UserError naming the flag
 */
export function checkOutputFolder(folder: string, flag: string, given = folder, expected = 'a folder jaksim can write in'): void {
  const fail = (why: string): never => {
    throw new UserError(`${flag}: expected ${expected}, got ${JSON.stringify(given)} (${why})`);
  };
  let found: { at: string; st: Stats };
  try {
    found = nearestExisting(folder);
  } catch (err) {
    return fail(errnoReason(err));
  }
  const { at, st } = found;
  const self = at === resolve(given);
  if (!st.isDirectory()) fail(`${self ? '' : `${at} is `}${fileKind(st)}, not a folder`);
  const denied = writable(at);
  if (denied) fail(`${self ? '' : `${at}: `}${denied}`);
}

/** What is at `path`, or undefined when nothing is (ENOENT, ENOTDIR); any other failure is a UserError naming the flag. */
function statIfThere(path: string, flag: string, expected: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`${flag}: expected ${expected}, got ${JSON.stringify(path)} (${errnoReason(err)})`);
    return undefined;
  }
}

/**
 * Check that `folder` does not exist yet and can be created (the folders written whole, such as predict's
 * --out, which never overwrite). @throws UserError naming the flag
 */
export function checkNewOutputFolder(folder: string, flag: string): void {
  const st = statIfThere(folder, flag, 'a new folder jaksim can create');
  if (st) throw new UserError(`${flag}: expected a new folder jaksim can create, got ${JSON.stringify(folder)} (${st.isDirectory() ? 'a folder that already exists' : `${fileKind(st)} already there`})`);
  checkOutputFolder(dirname(resolve(folder)), flag, folder, 'a new folder jaksim can create');
}

/**
 * Check that `file` can be written atomically (a temporary beside it renamed onto it): it is a regular
 * file or does not exist yet, in a folder this process may write.
 * @throws UserError naming the flag
 */
export function checkOutputFile(file: string, flag: string): void {
  const st = statIfThere(file, flag, 'a file jaksim can write');
  if (st && !st.isFile()) {
    throw new UserError(`${flag}: expected a file jaksim can write, got ${JSON.stringify(file)} (${st.isDirectory() ? 'a folder' : fileKind(st)})`);
  }
  checkOutputFolder(dirname(resolve(file)), flag, file, 'a file jaksim can write');
}
