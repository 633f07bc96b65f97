import { encodeWindowResult, resultVersion, WindowResult } from '@streamtally/contracts';

/** Kafka's default limit is 1 MiB per record; a result stays well under it. */
export const MAX_RESULT_BYTES = 512 * 1024;

export interface ResultBounds {
  /** the most keys a result lists; the rest are folded into `other` */
  maxKeys: number;
  /** the most bytes an encoded result may take */
  maxBytes: number;
}

/**
 * A window's result, bounded whatever the data: at most `maxKeys` keys (the largest counts,
 * ties by key), fewer while the encoded result is over `maxBytes`; the keys left out are
 * summed in `other`. The version is always that of the full counts.
 */
export function buildResult(
  job: string,
  windowStart: number,
  windowEnd: number | null,
  counts: Record<string, number>,
  final: boolean,
  now: number,
  bounds: ResultBounds = { maxKeys: Infinity, maxBytes: MAX_RESULT_BYTES },
): WindowResult {
  const full: WindowResult = { job, windowStart, windowEnd, counts, final, version: resultVersion(counts, final), emittedAt: now };
  const keys = Object.keys(counts);
  if (keys.length <= bounds.maxKeys && encodeWindowResult(full).length <= bounds.maxBytes) return full;
  const ranked = Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  for (let kept = Math.min(bounds.maxKeys, ranked.length); ; kept = Math.floor(kept / 2)) {
    const result = { ...full, counts: Object.fromEntries(ranked.slice(0, kept)), other: { keys: ranked.length - kept, count: 0 } };
    for (let i = kept; i < ranked.length; i += 1) result.other.count += ranked[i]![1];
    if (kept === 0 || encodeWindowResult(result).length <= bounds.maxBytes) return result;
  }
}
