import { z } from 'zod';
import { mod, type TimeWindowType } from './window-type';

const schema = z.strictObject({ type: z.literal('hopping'), sizeMs: z.number().int().positive(), slideMs: z.number().int().positive() });
type HoppingSpec = z.output<typeof schema>;

/** An event is counted in every window that holds it: at most this many (sizeMs / slideMs). */
const MAX_WINDOWS_PER_EVENT = 100;

/** Windows of `sizeMs` starting every `slideMs`: each event in sizeMs / slideMs of them. */
export const hopping = {
  schema,
  family: 'time',
  closes: true,
  problems(spec: HoppingSpec) {
    if (spec.slideMs > spec.sizeMs) return ['window.slideMs: must not exceed window.sizeMs'];
    if (spec.sizeMs % spec.slideMs !== 0) return ['window.slideMs: must divide window.sizeMs'];
    if (spec.sizeMs / spec.slideMs > MAX_WINDOWS_PER_EVENT) return [`window: at most ${MAX_WINDOWS_PER_EVENT} windows per event (sizeMs / slideMs)`];
    return [];
  },
  startsFor(spec: HoppingSpec, ts: number) {
    const last = ts - mod(ts, spec.slideMs);
    const starts: number[] = [];
    for (let start = last - spec.sizeMs + spec.slideMs; start <= last; start += spec.slideMs) {
      if (start + spec.sizeMs > ts) starts.push(start);
    }
    return starts;
  },
  end: (spec: HoppingSpec, start: number) => start + spec.sizeMs,
} as const satisfies TimeWindowType<HoppingSpec> & { schema: typeof schema };
