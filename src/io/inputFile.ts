// The one reader of the files the program is given (scenarios, catalogs, trial data, partials, checkpoints,
// bench baselines...): a regular file only (never a FIFO, a device or a folder, which could hang or never
// end), and at most limit + 1 bytes read, so an oversized or growing file costs no more memory than the limit.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UserError } from './errors.js';

/**
 * The largest file read as text: V8's longest string is just under 2^29 characters (512 MiB), so a larger file could
 * not be decoded anyway (this is the cap of every "no limit" under --allow-large).
 */
export const MAX_TEXT_FILE_BYTES = 500 * 1024 * 1024;

/** Largest partial file (io/partialFile.ts) read without --allow-large (bytes): 256 MiB, about 1.5M blocks of the default scenario. */
export const PARTIAL_MAX_BYTES = 256 * 1024 * 1024;

/** A file that cannot be read: `reason` says why in a few words (never the file's content). */
export class InputFileError extends UserError {
  constructor(readonly file: string, readonly expected: string, readonly reason: string, readonly tooLarge: boolean) {
    super(`${file}: expected ${expected}, got ${reason}`);
    this.name = 'InputFileError';
  }
}

/** What a file system entry is, in words: "a file", "a folder", "a named pipe (FIFO)", "a character device"... */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'something else';
}

/** What a path that is not a regular file is, in words. */
const kindOf = (st: Stats): string => (st.isDirectory() ? 'a folder' : `${fileKind(st)}, not a regular file`);

/** The reason an open or read failed, from its error code. */
export function errnoReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'a folder';
    case 'EACCES': case 'EPERM': return 'no permission to read it';
    case 'ENOTDIR': return 'a path through something that is not a folder';
    case 'ELOOP': return 'a loop of symbolic links';
    case 'ENAMETOOLONG': return 'a name too long';
    default: return code ?? 'unreadable';
  }
}

export interface ReadOptions {
  /** What the file should be, for messages: "a readable scenario file". */
  expected: string;
  /** Largest size accepted, in bytes (at most MAX_TEXT_FILE_BYTES for text). */
  maxBytes: number;
  /** Appended to the size message (such as the --allow-large hint). */
  limitHint?: string;
}

/**
 * Read a whole regular file of at most `maxBytes` bytes. The file is opened
 * non-blocking (a FIFO without a writer would block the open) and checked by
 * fstat on the open descriptor (no race with a rename), then read in chunks
 * up to maxBytes + 1 bytes: a file that grows while being read is caught too.
 * @throws InputFileError naming the file, what was expected and why not.
 */
export function readInputFile(file: string, options: ReadOptions): Buffer {
  const fail = (reason: string, tooLarge = false): never => {
    throw new InputFileError(file, options.expected, reason, tooLarge);
  };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return fail(errnoReason(err));
  }
  try {
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (err) {
      return fail(errnoReason(err));
    }
    if (!st.isFile()) return fail(kindOf(st));
    const max = options.maxBytes;
    const tooLarge = (size: string) => fail(`${size}: over the limit of ${max} bytes${options.limitHint ?? ''}`, true);
    if (st.size > max) return tooLarge(`${st.size} bytes`);
    // Read at most max + 1 bytes whatever fstat said (the file may grow or lie about its size).
    const chunks: Buffer[] = [];
    let total = 0;
    const chunkSize = Math.min(max + 1, Math.max(st.size + 1, 64 * 1024));
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, max + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        return fail(errnoReason(err));
      }
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > max) return tooLarge(`more than ${max} bytes`);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Decode bytes as UTF-8 text (a leading BOM dropped); other bytes are a UserError naming the file. */
export function decodeUtf8(buf: Uint8Array, file: string, expected = 'UTF-8 text'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new InputFileError(file, expected, 'bytes that are not UTF-8 (save the file as UTF-8)', false);
  }
}

/** Read a regular file of at most `maxBytes` bytes as UTF-8 text. @throws InputFileError */
export function readInputText(file: string, options: ReadOptions): string {
  return decodeUtf8(readInputFile(file, options), file);
}
