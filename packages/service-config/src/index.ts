import { z } from 'zod';
import { ReadSecretFile, readSecretFile, resolveSecretFiles, SECRET_SETTINGS } from './secrets';

export * from './secrets';

export type SettingsResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

/**
 * Validates a service's settings (keyed by environment variable) once, at start. Empty
 * values count as unset, so defaults apply. A secret (SECRET_SETTINGS) may come from the
 * file its `_FILE` variable names. Each error names the variable, optionally its
 * command-line flag, and the value given — except a secret's, which is never shown:
 * `RATE (--rate): Too small: expected number to be >0 (got "0")`.
 */
export function parseSettings<S extends z.ZodObject>(
  schema: S,
  given: Record<string, string | undefined>,
  flagOf: ReadonlyMap<string, string> = new Map(),
  readFile: ReadSecretFile = readSecretFile,
): SettingsResult<z.output<S>> {
  const secrets = Object.keys(schema.shape).filter((key) => SECRET_SETTINGS.has(key));
  const { values, errors: fileErrors } = resolveSecretFiles(given, secrets, readFile);
  if (fileErrors.length > 0) return { ok: false, errors: fileErrors };
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
      return `${where}: ${issue.message}${shownValue(name, given)}`;
    }),
  };
}

/** ` (got "…")` for a value an error may show; a secret's is never shown, a URL's password is masked. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (name === 'REDIS_URL') return ` (got "${redactUrl(value)}")`;
  if (SECRET_SETTINGS.has(name)) return ' (value not shown: it is a secret)';
  return ` (got "${value}")`;
}

/** Common setting types, so every service reads them the same way. */
export const setting = {
  integer: (min: number, max: number) => z.coerce.number().int().min(min).max(max),
  positive: () => z.coerce.number().positive().finite(),
  flag: () => z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes'),
  topic: () => z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)'),
  brokers: () =>
    z
      .string({ error: 'is required (comma-separated host:port)' })
      .min(1, 'is required (comma-separated host:port)')
      .transform((value) =>
        value
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every(isHostPort), 'expected host:port[,host:port...] with ports 1-65535'),
  /** redis://[user:password@]host[:port][/db] or rediss://…: checked here, so a typo stops start-up by name */
  redisUrl: () =>
    z.string({ error: 'is required, e.g. redis://redis:6379' }).superRefine((value, ctx) => {
      const problem = redisUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** `*`, or comma-separated origins as browsers send them: scheme://host[:port] */
  origins: () =>
    z
      .string()
      .min(1)
      .refine(
        (value) => value.trim() === '*' || value.split(',').every((o) => /^https?:\/\/[^/\s:]+(:\d{1,5})?$/.test(o.trim())),
        'expected * or comma-separated origins with a scheme, e.g. https://dash.example.com,http://localhost:8080',
      ),
  /** host names as a Host header carries them (without the port), comma-separated; * for any */
  hosts: () =>
    z
      .string()
      .min(1)
      .transform((value) =>
        value
          .split(',')
          .map((h) =>
            h
              .trim()
              .toLowerCase()
              .replace(/^\[|\]$/g, ''),
          )
          .filter(Boolean),
      )
      .refine(
        (list) => list.length > 0 && list.every((h) => h === '*' || /^[a-z0-9.:_-]+$/.test(h)),
        'expected * or comma-separated host names, e.g. dash.example.com,localhost',
      ),
  /** one or more secret tokens, comma-separated, each at least `min` characters (never shown) */
  tokens: (min: number) =>
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((t) => t.length >= min), `each token must be at least ${min} characters (e.g. openssl rand -hex 32)`),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

function isHostPort(broker: string): boolean {
  const match = /^[^:\s]+:(\d{1,5})$/.exec(broker);
  return match !== null && Number(match[1]) >= 1 && Number(match[1]) <= 65_535;
}

function redisUrlProblem(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'expected redis://host:port[/db]';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected redis://host:port[/db]';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `expected the scheme redis:// or rediss://, not ${url.protocol}//`;
  if (!url.hostname) return 'expected a host, e.g. redis://redis:6379';
  if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65_535)) return 'expected a port 1-65535';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) return `the database after the host must be a number, e.g. redis://redis:6379/0 (got "${db}")`;
  return undefined;
}

/**
 * The URL with its password masked, for messages and logs. Something that is not a URL
 * is shown only up to its first `@`, where a password would end.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    const at = value.lastIndexOf('@');
    return at < 0 ? value : `***${value.slice(at)}`;
  }
}
