// JSON text in pieces: the exact text of JSON.stringify(value, null, space) (space 0 or 2), produced piece by
// piece so that a document larger than the longest string V8 can build (about 512 MiB) is still written.
// Also the size such a document will have, estimated before the numbers are known.

/** What JSON.stringify does with a value before writing it: toJSON, and which values are left out. */
function prepare(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  return value;
}

/** A copy of a plain object with its keys sorted (other values as they are). */
function sortedObject(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** Values in a container written by one JSON.stringify call: its text stays at a few MiB at most. */
const PIECE_VALUES = 20_000;

/** Nesting inside a container written by one JSON.stringify call (which recurses). */
const PIECE_DEPTH = 32;

/**
 * Does `v` hold at most PIECE_VALUES values in all, nested at most PIECE_DEPTH deep? Counted without
 * recursion, stopping at either bound (so the check costs little however large `v` is).
 */
function isSmall(v: object, pieceValues: number): boolean {
  let budget = pieceValues;
  const stack: [object, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [o, depth] = stack.pop()!;
    if (depth > PIECE_DEPTH) return false;
    const values = Array.isArray(o) ? o : Object.values(o);
    budget -= values.length;
    if (budget < 0) return false;
    for (const x of values) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
  }
  return true;
}

interface Frame {
  entries: [string | null, unknown][];
  next: number;
  indent: string;
  close: string;
  wrote: boolean;
}

/**
 * The pieces of JSON.stringify(value, null, space), in order; their concatenation is exactly that text
 * (tested against JSON.stringify on random documents). Iterative: any nesting depth.
 */
export function* jsonChunks(
  value: unknown, space: 0 | 2 = 0, sortKeys = false, pieceValues = PIECE_VALUES,
): Generator<string> {
  // With sortKeys, every object's keys in sorted order (the canonical form of io/hash.ts).
  const rep = sortKeys ? (_key: string, v: unknown) => sortedObject(v) : undefined;
  const step = space === 2 ? '  ' : '';
  const nl = space === 2 ? '\n' : '';
  const colon = space === 2 ? ': ' : ':';
  /** Opening text of a container (or the whole text of a flat one); pushes a frame for a large one. */
  const open = (v: unknown, indent: string, stack: Frame[]): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v, rep) ?? 'null';
    // JSON strings hold no raw newline: re-indenting the text of a small container is exact.
    if (isSmall(v, pieceValues)) return (space === 2 ? JSON.stringify(v, rep, 2).replace(/\n/g, `\n${indent}`) : JSON.stringify(v, rep));
    const isArray = Array.isArray(v);
    const entries: [string | null, unknown][] = isArray
      ? Array.from(v as unknown[], (x, i): [null, unknown] => [null, prepare(x, String(i))])
      // Sorted as io/hash.ts's canonicalJson does (fromEntries of the sorted keys: integer-like keys still come first).
      : Object.keys(sortKeys ? sortedObject(v) as object : v).map((k) => [k, prepare((v as Record<string, unknown>)[k], k)] as [string, unknown]).filter(([, x]) => !omitted(x));
    if (entries.length === 0) return isArray ? '[]' : '{}';
    stack.push({ entries, next: 0, indent: indent + step, close: `${nl}${indent}${isArray ? ']' : '}'}`, wrote: false });
    return isArray ? '[' : '{';
  };
  const top = prepare(value, '');
  if (omitted(top)) return;
  const stack: Frame[] = [];
  yield open(top, '', stack);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.next === f.entries.length) {
      stack.pop();
      yield f.close;
      continue;
    }
    const [key, v] = f.entries[f.next++];
    const lead = `${f.wrote ? ',' : ''}${nl}${f.indent}${key === null ? '' : `${JSON.stringify(key)}${colon}`}`;
    f.wrote = true;
    yield lead + open(omitted(v) ? null : v, f.indent, stack);
  }
}

/** The most characters a finite double takes in JSON (such as -1.2345678901234567e-100). */
const NUMBER_WIDTH = 24;

/** Numbers in a document (counted without recursion). */
function numbersIn(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') n++;
    else if (v !== null && typeof v === 'object') for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push(x);
  }
  return n;
}

/**
 * An upper estimate of the length of JSON.stringify(value, null, space) once its numbers are filled in:
 * `value` is a skeleton of the document (its numbers may be placeholders), each number counted at its
 * widest; nested `level` deep in a pretty document (its lines indented 2 * level more). Walks the
 * skeleton without building its text as one string.
 */
export function jsonSizeEstimate(value: unknown, space: 0 | 2 = 0, level = 0): number {
  let size = 0;
  let lines = 0;
  for (const chunk of jsonChunks(value, space)) {
    size += chunk.length;
    if (level > 0) for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
  }
  return size + NUMBER_WIDTH * numbersIn(value) + lines * 2 * level;
}
