import { z } from 'zod';
import type { TimeWindowType } from './window-type';

const schema = z.strictObject({ type: z.literal('running') });

/** A running total has one window that starts at 0 and never ends. */
export const RUNNING_WINDOW_START = 0;

/** One window for all time: a running total, never final. */
export const running = {
  schema,
  family: 'time',
  closes: false,
  problems: () => [],
  startOf: () => RUNNING_WINDOW_START,
  startsFor: () => [RUNNING_WINDOW_START],
  end: () => null,
} as const satisfies TimeWindowType<z.output<typeof schema>> & { schema: typeof schema };
