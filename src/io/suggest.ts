// "Did you mean": the known name nearest to a mistyped one (Levenshtein distance), for scenario fields,
// --set paths and drug ids.
import { distance } from 'fastest-levenshtein';

/** The candidate nearest to `word`, if near enough to be a typo: at most 2 edits, or a third of the word. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.max(2, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestDistance && d <= limit && c !== word) { best = c; bestDistance = d; }
  }
  return best;
}

/** `; did you mean "x"?` for the nearest candidate, or '' when none is near. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const hit = nearest(word, candidates);
  return hit === undefined ? '' : `; did you mean ${JSON.stringify(hit)}?`;
}

/**
 * For a dotted field path: the nearest known path, comparing whole paths and, for a path of one name,
 * last names too (`rhoClas` -> `correlation.rhoClass`).
 */
export function nearestPath(path: string, known: readonly string[]): string | undefined {
  const whole = nearest(path, known);
  if (whole !== undefined || /[.[]/.test(path)) return whole;
  const byLast = new Map<string, string>();
  for (const k of known) {
    const last = k.split(/[.\]]/).pop()!;
    if (!byLast.has(last)) byLast.set(last, k);
  }
  const last = nearest(path, [...byLast.keys()]);
  return last === undefined ? undefined : byLast.get(last);
}
