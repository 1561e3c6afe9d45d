// The one atomic writer: content goes to a hidden temporary name beside its target, which is renamed into
// place only when complete; on any failure the temporary is removed, so nothing half-written is ever seen.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/** A file's content: text, bytes, or text in pieces (a document too large for one string: io/jsonStream.ts). */
export type FileContent = string | Uint8Array | Iterable<string>;

/** Write content to a new file; pieces are gathered into writes of about 1 MiB. */
function writeContent(file: string, content: FileContent): void {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    writeFileSync(file, content);
    return;
  }
  const fd = openSync(file, 'wx');
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      // A write may be short (a full disk reports it on the next): loop until every byte is out.
      const buf = Buffer.from(pending.join(''), 'utf8');
      for (let at = 0; at < buf.length;) at += writeSync(fd, buf, at, buf.length - at);
      pending = [];
      size = 0;
    };
    for (const piece of content) {
      pending.push(piece);
      size += piece.length;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

/** Write text, bytes or text in pieces to `file` atomically (its folder is created). */
export function writeFileAtomic(file: string, content: FileContent): void {
  replaceAtomically(file, (tmp) => writeContent(tmp, content));
}

/**
 * Create `folder` holding `files` (name -> text) atomically: all of them or
 * none. The rename fails when `folder` already holds something, so an
 * existing folder is never overwritten.
 */
export function writeFolderAtomic(folder: string, files: Record<string, FileContent>): void {
  replaceAtomically(folder, (tmp) => {
    mkdirSync(tmp);
    for (const [name, content] of Object.entries(files)) writeContent(join(tmp, name), content);
  });
}
