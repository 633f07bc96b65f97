import { z } from 'zod';

export type SettingsResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

/**
 * Validates a service's settings (keyed by environment variable) once, at start. Empty
 * values count as unset, so defaults apply. Each error names the variable, optionally its
 * command-line flag, and the value given:
 * `RATE (--rate): Too small: expected number to be >0 (got "0")`.
 */
export function parseSettings<S extends z.ZodObject>(
  schema: S,
  values: Record<string, string | undefined>,
  flagOf: ReadonlyMap<string, string> = new Map(),
): SettingsResult<z.output<S>> {
  const known = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((key) => values[key] !== undefined && values[key] !== '')
      .map((key) => [key, values[key]]),
  );
  const parsed = schema.safeParse(known);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const given = values[name];
      const where = flagOf.has(name) ? `${name} (--${flagOf.get(name)})` : name;
      return `${where}: ${issue.message}${given !== undefined && given !== '' ? ` (got "${given}")` : ''}`;
    }),
  };
}

/** Common setting types, so every service reads them the same way. */
export const setting = {
  integer: (min: number, max: number) => z.coerce.number().int().min(min).max(max),
  positive: () => z.coerce.number().positive().finite(),
  flag: () =>
    z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes'),
  topic: () => z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)'),
  brokers: () =>
    z
      .string({ error: 'is required (comma-separated host:port)' })
      .min(1, 'is required (comma-separated host:port)')
      .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
      .refine((list) => list.length > 0 && list.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), 'expected host:port[,host:port...]'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
