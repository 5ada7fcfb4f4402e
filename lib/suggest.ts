// "Did you mean …?" for a mistyped name (a command-line option, a settings field): the known name at
// the smallest edit distance, if it is close enough to be a typo rather than another word.

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  return d[a.length][b.length];
}

/** The known name closest to `word` within `maxDistance` edits, or undefined. */
export function closest(word: string, known: readonly string[], maxDistance = 3): string | undefined {
  const best = known.map((k) => [k, editDistance(word, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= maxDistance ? best[0] : undefined;
}
