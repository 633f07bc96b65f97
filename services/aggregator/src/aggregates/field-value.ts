import type { SourceEvent } from '@streamtally/contracts/sources';
import type { Refusal } from './aggregate';
import { toFixedPoint } from './fixed-point';

/** Reads a numeric field of an event as fixed point: the integer, null when missing, or why it does not fit. */
export function fixedPointReader(field: string, decimals: number): (event: SourceEvent) => number | null | Refusal {
  return (event) => {
    const value = event[field];
    if (value === null || value === undefined) return null;
    const scaled = toFixedPoint(value as number, decimals);
    if (scaled !== undefined) return scaled;
    return {
      refused: `field "${field}": ${value} does not fit ${decimals} decimal place(s) exactly (at most ±${Number.MAX_SAFE_INTEGER} in units of 10^-${decimals})`,
    };
  };
}
