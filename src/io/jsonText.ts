// JSON text as the program reads it: JSON.parse, refusing duplicate keys (which JSON.parse keeps the last of
// silently) with their path and line, and errors that never quote the file (its content may be anything).

/** A key given twice in one object: its field path (`policies[0].id`), the key and the line of its second use. */
export interface DuplicateKey { path: string; key: string; line: number }

interface Frame {
  parent: Frame | null;
  /** The key or index under which this container sits in its parent. */
  at: string | number | null;
  keys: Set<string> | null; // null: an array
  index: number;
  expectKey: boolean;
  pendingKey: string | null;
}

function pathOf(frame: Frame, last: string): string {
  const parts: (string | number)[] = [last];
  for (let f: Frame | null = frame; f && f.at !== null; f = f.parent) parts.push(f.at);
  let out = '';
  for (const p of parts.reverse()) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${p}`;
  return out;
}

/**
 * The first duplicate key of `text`, which must already be valid JSON
 * (JSON.parse accepted it), or null when every object's keys are distinct.
 */
export function firstDuplicateJsonKey(text: string): DuplicateKey | null {
  let line = 1;
  let top: Frame | null = null;
  const n = text.length;
  let i = 0;
  const childAt = (f: Frame | null): string | number | null => (f === null ? null : f.keys ? f.pendingKey : f.index);
  while (i < n) {
    const ch = text[i];
    if (ch === '\n') { line++; i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === ':') { i++; continue; }
    if (ch === '{' || ch === '[') {
      top = { parent: top, at: childAt(top), keys: ch === '{' ? new Set() : null, index: 0, expectKey: ch === '{', pendingKey: null };
      i++;
      continue;
    }
    if (ch === '}' || ch === ']') { top = top?.parent ?? null; i++; continue; }
    if (ch === ',') {
      if (top) {
        if (top.keys) top.expectKey = true;
        else top.index++;
      }
      i++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { path: pathOf(top, key), key, line };
        top.keys.add(key);
        top.pendingKey = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < n && !',:]}" \t\r\n'.includes(text[i])) i++;
  }
  return null;
}

/** The line and column of a character offset in `text` (1-based). */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return `line ${line}, column ${offset - start + 1}`;
}

/**
 * JSON.parse's complaint without the piece of the file it quotes (file errors never echo file
 * contents): the position as a line and column where it gives one.
 */
export function jsonErrorText(err: unknown, text: string): string {
  const message = (err as Error).message.split('\n')[0];
  const at = / in JSON at position (\d+)/.exec(message);
  if (at) return `${message.slice(0, at.index)} at ${lineColumn(text, Number(at[1]))}`;
  if (/^Unexpected token/.test(message)) return 'an unexpected character (not valid JSON)';
  return message.replace(/"[^]*$/, '').replace(/[,:\s]+$/, '') || 'not valid JSON';
}

/**
 * The path of the first key named `__proto__` in a parsed document, or null. Such a key is refused in every
 * file: copied or validated into a plain object it sets the prototype instead of a field, and vanishes.
 */
export function protoKeyPath(doc: unknown): string | null {
  const stack: [unknown, string][] = [[doc, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push([x, `${at}[${i}]`]));
      continue;
    }
    if (Object.hasOwn(v, '__proto__')) return `${at}${at ? '.' : ''}__proto__`;
    for (const [k, x] of Object.entries(v)) stack.push([x, `${at}${at ? '.' : ''}${k}`]);
  }
  return null;
}

/** Parsed JSON, or why not: a syntax error (`reason`, with a line and column where known) or a duplicate key. */
export type JsonParse =
  | { ok: true; doc: unknown }
  | { ok: false; reason: string; duplicate?: DuplicateKey };

/** Parse JSON text; a key given twice in one object is refused (naming the key, its path and line). */
export function parseJson(text: string): JsonParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, reason: 'a document nested too deeply to parse' };
    return { ok: false, reason: jsonErrorText(err, text) };
  }
  const duplicate = firstDuplicateJsonKey(text);
  if (duplicate) return { ok: false, reason: `a key given twice: ${duplicate.path.slice(0, 200)} (again at line ${duplicate.line})`, duplicate };
  const proto = protoKeyPath(doc);
  if (proto !== null) return { ok: false, reason: `a key named __proto__ (${proto.slice(0, 200)}), which no field has` };
  return { ok: true, doc };
}
