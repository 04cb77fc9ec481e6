// "Did you mean …?": the closest known name to a misspelt key, for messages and quick fixes.

/** The most similar option (edit distance ≤ 2, or equal ignoring case). */
export function closest(key: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of options) {
    if (o.toLowerCase() === key.toLowerCase()) return o;
    const d = distance(key, o, bestD);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
