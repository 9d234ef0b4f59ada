/**
 * "Did you mean" suggestions for misspelt keys and names. Optimal string alignment distance
 * (Levenshtein plus adjacent transpositions), because the typical slip is `treshold` or
 * `sevreity`, and a transposition should cost one edit, not two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i];
    if (!row) continue;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The closest candidate, or undefined when nothing is close enough to be a plausible typo.
 * Case and `-`/`_` differences are free: `Min-Impact` is obviously `min_impact`.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replaceAll('-', '_');
  const target = fold(word);
  // A third of the word's length, at least one edit: short keys tolerate one slip, long ones more.
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { candidate: string; distance: number; lengthGap: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(target, fold(candidate));
    // On a tie, a candidate of the same length wins: `=>` is a swapped `>=`, not a longer `>`.
    const lengthGap = Math.abs(candidate.length - word.length);
    if (
      distance <= limit &&
      (best === undefined ||
        distance < best.distance ||
        (distance === best.distance && lengthGap < best.lengthGap))
    ) {
      best = { candidate, distance, lengthGap };
    }
  }
  return best?.candidate;
}
