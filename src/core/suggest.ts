/**
 * "Did you mean" for names a person typed: the closest known name by edit distance, when it is close enough to
 * be a typo rather than a different word.
 */
export function closestName(given: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(given.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the word may be wrong (at least 2 edits): "latncy" -> "latency", "timline" -> "timeline".
  const allowed = Math.max(2, Math.floor(given.length / 3));
  return best !== null && bestDistance <= allowed ? best : null;
}

/** `; did you mean "x"?` or the empty string, to append to an error message. */
export function didYouMean(given: string, known: readonly string[]): string {
  const closest = closestName(given, known);
  return closest === null ? '' : `; did you mean "${closest}"?`;
}

/** Levenshtein distance, with an adjacent swap counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  for (let row = 1; row < rows; row += 1) {
    for (let column = 1; column < columns; column += 1) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let value = Math.min(table[row - 1][column] + 1, table[row][column - 1] + 1, table[row - 1][column - 1] + cost);
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1]) {
        value = Math.min(value, table[row - 2][column - 2] + 1);
      }
      table[row][column] = value;
    }
  }
  return table[a.length][b.length];
}
