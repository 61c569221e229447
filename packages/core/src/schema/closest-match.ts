/**
 * Finds the candidate closest to `word` by edit distance (Damerau–Levenshtein, optimal string
 * alignment), for "did you mean" hints. Only close enough candidates count: one edit for words of
 * up to 3 letters, else 2 or a third of the length, and never the whole word; so `tiemout` finds
 * `timeout`, `wbe` finds `web`, but `b` does not find `a`.
 *
 * @param word what the user wrote
 * @param candidates the valid words
 * @returns the closest candidate, or undefined when none is close
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  // Short words get less slack: "b" must not suggest "a".
  const limit = Math.min(word.length - 1, word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Counts the insertions, deletions, substitutions and adjacent swaps that turn `a` into `b`.
 *
 * @param a one word
 * @param b another word
 * @returns the optimal-string-alignment distance
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows are enough for the transposition rule.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Ends a message with a "did you mean" hint when there is one, and with a full stop otherwise,
 * so that a list can follow: `unknown key "x"; did you mean "y"? Allowed keys: …`.
 *
 * @param hint the closest candidate, if any
 * @param quote how to show it (default: in double quotes)
 * @returns the ending
 */
export function didYouMean(hint: string | undefined, quote: (word: string) => string = (word) => `"${word}"`): string {
  return hint === undefined ? '.' : `; did you mean ${quote(hint)}?`;
}
