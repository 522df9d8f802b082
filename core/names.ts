import { distance } from 'fastest-levenshtein';

/**
 * How people and files spell the same name differently: case, accents, spaces and punctuation
 * aside, `Man City`, `man-city` and `MAN CITY` are one name (`mancity`).
 */
export function nameKey(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** Edit distance between two names' keys, over the longer key's length (0 same, 1 nothing shared). */
export function nameDistance(a: string, b: string): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  return ka === kb ? 0 : distance(ka, kb) / Math.max(ka.length, kb.length, 1);
}

/**
 * Whether `a` reads as a misspelling of `b`: one edit apart, or two in a long name (at most a fifth
 * of it) or two letters swapped. On every football-data division's team names, no two different
 * clubs are this close (the closest: Duisburg/Augsburg, Lens/Le Mans, Empoli/Napoli).
 */
export function looksLikeTypo(a: string, b: string): boolean {
  const ka = nameKey(a);
  const kb = nameKey(b);
  if (ka === kb) return false;
  const d = distance(ka, kb);
  if (d === 1) return true;
  if (d !== 2) return false;
  return d / Math.max(ka.length, kb.length) <= 0.2 || swappedPair(ka, kb);
}

function swappedPair(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}
