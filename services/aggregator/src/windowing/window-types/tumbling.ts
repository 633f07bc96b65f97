import { z } from 'zod';
import { mod, type TimeWindowType } from './window-type';

const schema = z.strictObject({ type: z.literal('tumbling'), sizeMs: z.number().int().positive() });

/** Windows of `sizeMs` end to end: each event in exactly one. */
export const tumbling = {
  schema,
  family: 'time',
  closes: true,
  problems: () => [],
  startOf: (spec, ts) => ts - mod(ts, spec.sizeMs),
  startsFor: (spec, ts) => [ts - mod(ts, spec.sizeMs)],
  end: (spec, start) => start + spec.sizeMs,
} as const satisfies TimeWindowType<z.output<typeof schema>> & { schema: typeof schema };
