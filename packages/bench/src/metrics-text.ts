/** Reading a Prometheus text page (/metrics) the way the benchmarks need: sums and histogram buckets. */

/** The sum of a metric's samples; `labels` keeps only the series whose labels contain it. */
export function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (labels && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A histogram's cumulative bucket counts (upper bound in seconds → count) for the series with these labels. */
export function buckets(text: string, name: string, labels: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    counts.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** Prometheus's histogram_quantile over the difference of two bucket snapshots, in ms; NaN without samples. */
export function quantileMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, q: number): number {
  const les = [...after.keys()].sort((a, b) => a - b);
  const counts = les.map((le) => after.get(le)! - (before.get(le) ?? 0));
  const total = counts[counts.length - 1];
  if (!total) return NaN;
  const rank = q * total;
  for (let i = 0; i < les.length; i += 1) {
    if (counts[i]! < rank) continue;
    // in the +Inf bucket: the highest finite bound is all that can be said
    if (les[i] === Infinity) return les[i - 1]! * 1000;
    const [lower, below] = i === 0 ? [0, 0] : [les[i - 1]!, counts[i - 1]!];
    return Math.round((lower + ((les[i]! - lower) * (rank - below)) / (counts[i]! - below)) * 1000);
  }
  return NaN;
}

export const scrape = async (port: number): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
