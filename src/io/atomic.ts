// The one atomic writer: content goes to a hidden temporary name beside its target, which is renamed into
// place only when complete; on any failure the temporary is removed, so nothing half-written is ever seen.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Fill a temporary beside `target` (made by `fill`), then rename it onto `target`; remove it on failure. */
function replaceAtomically(target: string, fill: (tmp: string) => void): void {
  mkdirSync(dirname(target), { recursive: true });
  // pid and 32 random bits: concurrent writers (threads, processes) never share a temporary.
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fill(tmp);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Write text or bytes to `file` atomically (its folder is created). */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  replaceAtomically(file, (tmp) => writeFileSync(tmp, content));
}

/**
 * Create `folder` holding `files` (name -> text) atomically: all of them or
 * none. The rename fails when `folder` already holds something, so an
 * existing folder is never overwritten.
 */
export function writeFolderAtomic(folder: string, files: Record<string, string>): void {
  replaceAtomically(folder, (tmp) => {
    mkdirSync(tmp);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
  });
}
