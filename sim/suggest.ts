/** Levenshtein edit distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The valid names closest to `input`, best first: those within a third of the input's length in
 * edit distance (at least 2), plus any that contain the input or that the input contains.
 */
export function closest(input: string, valid: readonly string[], max = 3): string[] {
  // Edit distance is quadratic: an input this long is no typo of a name, and would take seconds.
  if (input.length > 200) return [];
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return valid
    .map((name) => {
      const hay = name.toLowerCase();
      const contains = needle.length >= 2 && (hay.includes(needle) || needle.includes(hay));
      return { name, d: editDistance(needle, hay), contains };
    })
    .filter((c) => c.d <= limit || c.contains)
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map((c) => c.name);
}
