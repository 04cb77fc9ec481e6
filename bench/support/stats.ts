// Order statistics for benchmark samples (milliseconds).

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  // Linear interpolation between closest ranks (numpy's default).
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs: number[]): number => quantile(xs, 0.5);
export const p95 = (xs: number[]): number => quantile(xs, 0.95);
export const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-');
