import { z } from 'zod';
import { parseSettings, redactUrl, setting } from '../src';

const schema = z.object({
  KAFKA_BROKERS: setting.brokers(),
  PORT: setting.integer(1, 65535).default(8080),
  VERBOSE: setting.flag().default(false),
});

describe('parseSettings', () => {
  it('applies defaults and treats empty values as unset', () => {
    expect(parseSettings(schema, { KAFKA_BROKERS: 'a:1,b:2', PORT: '' })).toEqual({
      ok: true,
      config: { KAFKA_BROKERS: ['a:1', 'b:2'], PORT: 8080, VERBOSE: false },
    });
  });

  it('names every bad variable, its flag when it has one, and the value', () => {
    const result = parseSettings(schema, { PORT: '70000', VERBOSE: 'perhaps' }, new Map([['PORT', 'port']]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(3);
    expect(result.errors[0]).toMatch(/^KAFKA_BROKERS: is required/);
    expect(result.errors[1]).toMatch(/^PORT \(--port\): .* \(got "70000"\)$/);
    expect(result.errors[2]).toMatch(/^VERBOSE: .* \(got "perhaps"\)$/);
  });
});

describe('setting types', () => {
  const one = <T>(type: z.ZodType<T>, value: string) => type.safeParse(value);

  it.each(['redis://redis:6379', 'redis://:secret@10.0.0.1:6380/3', 'rediss://cache.example.com'])('accepts the Redis URL %s', (value) => {
    expect(one(setting.redisUrl(), value).success).toBe(true);
  });

  it.each([
    ['redis:6379', 'expected redis://host:port[/db]'],
    ['localhost:6379', 'expected redis://host:port[/db]'],
    ['redis://:6379', 'expected redis://host:port[/db]'], // no host: not a URL at all
    ['http://redis:6379', 'expected the scheme redis:// or rediss://, not http://'],
    ['redis://redis:6379/abc', 'the database after the host must be a number, e.g. redis://redis:6379/0 (got "abc")'],
    ['not a url', 'expected redis://host:port[/db]'],
  ])('rejects the Redis URL %s', (value, message) => {
    const parsed = one(setting.redisUrl(), value);
    expect(parsed.success ? '' : parsed.error.issues[0]!.message).toContain(message);
  });

  it('rejects broker ports above 65535', () => {
    expect(one(setting.brokers(), 'kafka:9092,kafka:65535').success).toBe(true);
    expect(one(setting.brokers(), 'kafka:99999').success).toBe(false);
    expect(one(setting.brokers(), 'kafka:0').success).toBe(false);
  });

  it('takes * or origins with a scheme', () => {
    expect(one(setting.origins(), '*').success).toBe(true);
    expect(one(setting.origins(), 'https://dash.example.com, http://localhost:8080').success).toBe(true);
    expect(one(setting.origins(), 'dash.example.com').success).toBe(false);
    expect(one(setting.origins(), 'https://dash.example.com/').success).toBe(false);
  });

  it('masks the password of a URL', () => {
    expect(redactUrl('redis://:secret@cache:6379/1')).toBe('redis://:***@cache:6379/1');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
