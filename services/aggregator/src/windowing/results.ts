import { encodeWindowResult, type FoldReason, resultVersion, WindowResult } from '@streamtally/contracts';

/** Kafka's default limit is 1 MiB per record; a result stays well under it. */
export const MAX_RESULT_BYTES = 512 * 1024;

export interface ResultBounds {
  /** the most keys a result lists; the rest are folded into `other` */
  maxKeys: number;
  /** the most bytes an encoded result may take */
  maxBytes: number;
}

/**
 * A window's result, bounded whatever the data: the keys in rank order (largest count first,
 * ties by key), at most `maxKeys` of them, each listed if it still fits in `maxBytes`; a key
 * that does not fit is folded into `other` and the smaller ones after it are still listed, so
 * one huge key (a 900 KB "province" written into the input topic) costs its own place only.
 * `other` says how many keys were folded, their sum, and why. The version is always that of
 * the full counts.
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
  let total = 0;
  for (const [, count] of ranked) total += count;
  // what the result takes besides its listed keys, at its largest (every key folded, both reasons)
  const worstOther = { keys: ranked.length, count: total, reason: ['maxKeys', 'maxBytes'] as FoldReason[] };
  let budget = bounds.maxBytes - encodeWindowResult({ ...full, counts: {}, other: worstOther }).length;
  const listed: Record<string, number> = {};
  const other = { keys: 0, count: 0, reason: [] as FoldReason[] };
  let kept = 0;
  for (const [key, count] of ranked) {
    // `"key":count,` as JSON.stringify writes it (escapes included)
    const size = Buffer.byteLength(JSON.stringify(key)) + String(count).length + 2;
    const reason: FoldReason | undefined = kept >= bounds.maxKeys ? 'maxKeys' : size > budget ? 'maxBytes' : undefined;
    if (reason) {
      other.keys += 1;
      other.count += count;
      if (!other.reason.includes(reason)) other.reason.push(reason);
      continue;
    }
    listed[key] = count;
    budget -= size;
    kept += 1;
  }
  return { ...full, counts: listed, other };
}
