/** The p-th percentile (nearest rank) of sorted samples; NaN without samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Sample {
  /** seconds */
  t: number;
  y: number;
}

/** Least-squares slope of (t, y) samples, per second; 0 with fewer than two. */
export function slope(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + s.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.y - my);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
