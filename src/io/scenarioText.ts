// Scenario text to a plain document: YAML or JSON (by extension), a key given twice refused in both, and the
// limits that protect the machine (size, nesting depth, alias expansion, __proto__ keys).
import { extname } from 'node:path';
import YAML, { isMap, isScalar, type Node as YamlNode } from 'yaml';
import { ScenarioError, describeValue } from './errors.js';
import { lineColumn, parseJson, protoKeyPath } from './jsonText.js';

/** The repeated key of a YAML DUPLICATE_KEY error at `offset`: its field path and name. */
function yamlDuplicateKey(doc: YAML.Document, offset: number): { path: string; key: string } | null {
  let found: { path: string; key: string } | null = null;
  const stack: [unknown, string][] = [[doc.contents, '']];
  while (stack.length > 0 && !found) {
    const [node, at] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '(a complex key)';
        const path = `${at}${at ? '.' : ''}${key}`;
        if ((pair.key as YamlNode | null)?.range?.[0] === offset) { found = { path, key }; break; }
        stack.push([pair.value, path]);
      }
    } else if ('items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      (node as { items: unknown[] }).items.forEach((item, i) => stack.push([item, `${at}[${i}]`]));
    }
  }
  return found;
}

/** Parse YAML (or JSON, by extension) text into a plain document; a key given twice is refused in both. */
export function parseScenarioText(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === '.json') {
    const parsed = parseJson(text);
    if (parsed.ok) return parsed.doc;
    const dup = parsed.duplicate;
    if (dup) throw new ScenarioError(file, dup.path.slice(0, 200), 'each key at most once', `${describeValue(dup.key)} again at line ${dup.line}`);
    throw new ScenarioError(file, '', 'valid JSON', parsed.reason);
  }
  // uniqueKeys rejects duplicate keys; maxAliasCount caps alias expansion ("billion laughs").
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.pos?.[0] >= 0 ? lineColumn(text, e.pos[0]) : '';
    if (e.code === 'DUPLICATE_KEY') {
      const dup = yamlDuplicateKey(doc, e.pos[0]);
      if (dup) throw new ScenarioError(file, dup.path.slice(0, 200), 'each key at most once', `${describeValue(dup.key)} again at ${where}`);
    }
    throw new ScenarioError(file, '', 'valid YAML', `${e.message.split('\n')[0]}${where ? ` at ${where}` : ''}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(file, '', 'valid YAML', (err as Error).message.split('\n')[0]);
  }
}

/** Limits on a scenario file itself (raised by --allow-large): its size in bytes and the nesting depth of its document. */
export const FILE_LIMITS = { bytes: 1024 * 1024, depth: 32 };

export interface LoadOptions {
  /** Lift FILE_LIMITS (the user means it: --allow-large). */
  allowLarge?: boolean;
}

/** Deepest nesting of lists and mappings in a parsed document, counted without recursion. */
export function documentDepth(doc: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[doc, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest > stopAt) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** Decode a file's bytes as UTF-8 (a leading BOM is dropped); other encodings are a ScenarioError. */
export function decodeScenarioBytes(buf: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    throw new ScenarioError(file, '', 'UTF-8 text', 'bytes that are not UTF-8 (save the file as UTF-8)');
  }
}

/**
 * Parse scenario text with the machine-protecting limits: size, nesting
 * depth, alias expansion (in parseScenarioText). A parser that runs out of
 * stack on a pathological document is reported as a ScenarioError too.
 */
export function parseScenarioChecked(text: string, file: string, options: LoadOptions = {}): unknown {
  if (!options.allowLarge && text.length > FILE_LIMITS.bytes) {
    throw new ScenarioError(file, '', `a file of at most ${FILE_LIMITS.bytes} bytes (pass --allow-large if you mean it)`, `${text.length} characters`);
  }
  let doc: unknown;
  try {
    doc = parseScenarioText(text, file);
  } catch (err) {
    if (err instanceof RangeError) throw new ScenarioError(file, '', 'a document nested less deeply', 'a document too deep to parse');
    throw err;
  }
  if (!options.allowLarge && documentDepth(doc, FILE_LIMITS.depth) > FILE_LIMITS.depth) {
    throw new ScenarioError(file, '', `lists and mappings nested at most ${FILE_LIMITS.depth} deep (pass --allow-large if you mean it)`, 'deeper nesting');
  }
  const proto = protoKeyPath(doc);
  if (proto !== null) throw new ScenarioError(file, proto.slice(0, 200), 'a field name other than __proto__ (no field has it)', undefined);
  return doc;
}
