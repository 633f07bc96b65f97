import { z } from 'zod';
import type { SessionWindowType } from './window-type';

/** per key: its events less than gapMs apart, closed once gapMs pass without one */
const schema = z.strictObject({ type: z.literal('session'), gapMs: z.number().int().positive() });

/** A key's sessions (windowing/sessions.ts): merged when a late event bridges two. */
export const session = {
  schema,
  family: 'session',
  closes: true,
  problems: () => [],
  gapOf: (spec) => spec.gapMs,
} as const satisfies SessionWindowType<z.output<typeof schema>> & { schema: typeof schema };
