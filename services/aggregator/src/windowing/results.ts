import { WindowResult } from '@streamtally/contracts';

/**
 * The version of a window's result: twice the total count, plus one once final. Counts
 * only grow, so versions only grow; a final outranks every provisional result with the
 * same counts; emitting the same state twice gives the same version.
 */
export function resultVersion(counts: Record<string, number>, final: boolean): number {
  let total = 0;
  for (const count of Object.values(counts)) total += count;
  return total * 2 + (final ? 1 : 0);
}

export function buildResult(
  job: string, windowStart: number, windowEnd: number | null, counts: Record<string, number>, final: boolean, now: number,
): WindowResult {
  return { job, windowStart, windowEnd, counts, final, version: resultVersion(counts, final), emittedAt: now };
}
