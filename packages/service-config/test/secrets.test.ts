import { z } from 'zod';
import { parseSettings, redactUrl, resolveSecretFiles, SECRET_SETTINGS } from '../src';

const files: Record<string, string> = { '/run/secrets/token': 'a-token-from-a-file\n', '/run/secrets/empty': '\n' };
const read = (file: string) => {
  if (file in files) return files[file]!;
  throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
};

describe('secrets', () => {
  it('every secret of the project is listed once', () => {
    for (const name of ['KAFKA_SASL_PASSWORD', 'KAFKA_SSL_KEY_PASSWORD', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_URL', 'AUTH_TOKEN']) {
      expect(SECRET_SETTINGS.has(name)).toBe(true);
    }
  });

  it('a *_FILE variable supplies the value, its final newline dropped', () => {
    expect(resolveSecretFiles({ AUTH_TOKEN_FILE: '/run/secrets/token' }, ['AUTH_TOKEN'], read)).toEqual({
      values: { AUTH_TOKEN_FILE: '/run/secrets/token', AUTH_TOKEN: 'a-token-from-a-file' },
      errors: [],
    });
  });

  it.each([
    [{ AUTH_TOKEN: 'x', AUTH_TOKEN_FILE: '/run/secrets/token' }, 'AUTH_TOKEN_FILE: AUTH_TOKEN is set too; set one of them'],
    [{ AUTH_TOKEN_FILE: '/run/secrets/missing' }, 'AUTH_TOKEN_FILE: /run/secrets/missing does not exist'],
    [{ AUTH_TOKEN_FILE: '/run/secrets/empty' }, 'AUTH_TOKEN_FILE: /run/secrets/empty is empty'],
  ])('%j: one error naming the variable and the file, never the content', (values, error) => {
    expect(resolveSecretFiles(values, ['AUTH_TOKEN'], read).errors).toEqual([error]);
  });

  it('an invalid secret is named, its value never shown; a URL only with its password masked', () => {
    const schema = z.object({ AUTH_TOKEN: z.string().min(32), REDIS_URL: z.string().regex(/^redis:/), PORT: z.coerce.number().max(10) });
    const parsed = parseSettings(schema, { AUTH_TOKEN: 'short-secret-value', REDIS_URL: 'http://user:pass-word@cache:6379', PORT: '99' });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? '' : parsed.errors.join('\n');
    expect(errors).toContain('AUTH_TOKEN: ');
    expect(errors).toContain('(value not shown: it is a secret)');
    expect(errors).toContain('(got "http://user:***@cache:6379")');
    expect(errors).toContain('(got "99")');
    expect(errors).not.toContain('short-secret-value');
    expect(errors).not.toContain('pass-word');
  });

  it('masks what follows a password even in a value that is not a URL', () => {
    expect(redactUrl('redis://u:p@ss word@cache')).toBe('redis://u:***@cache');
    expect(redactUrl('not a url :pw@cache')).toBe('***@cache');
  });
});
