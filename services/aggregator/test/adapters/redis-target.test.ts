import { parseAggregatorConfig } from '../../src/config';
import { redisTargetOf } from '../../src/adapters/redis-target';

const parse = (values: Record<string, string>) => parseAggregatorConfig({ KAFKA_BROKERS: 'kafka:9092', ...values });
const errorsOf = (values: Record<string, string>) => {
  const parsed = parse(values);
  return parsed.ok ? [] : parsed.errors;
};

describe('Redis settings', () => {
  it('one server: host, port, database, and the credentials of the URL', () => {
    const parsed = parse({ REDIS_URL: 'redis://app:p%40ss@cache.internal:6380/2' });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const target = redisTargetOf(parsed.config);
    expect(target.ok && target.target).toEqual(
      expect.objectContaining({
        server: { host: 'cache.internal', port: 6380 },
        db: '2',
        username: 'app',
        password: 'p@ss',
        passwordFrom: 'REDIS_URL',
        where: 'REDIS_URL redis://app:***@cache.internal:6380/2',
      }),
    );
    expect(target.ok && target.target.tls).toBeUndefined();
    // a silent connection is dropped after 15 s by default (a hung server holds every command otherwise)
    expect(target.ok && target.target.socketTimeoutMs).toBe(15_000);
  });

  it('REDIS_USERNAME and REDIS_PASSWORD (or its file) instead of the URL’s; rediss:// turns TLS on', () => {
    const parsed = parse({ REDIS_URL: 'rediss://cache:6379', REDIS_USERNAME: 'app', REDIS_PASSWORD: 'secret' });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const target = redisTargetOf(parsed.config);
    expect(target.ok && [target.target.username, target.target.password, target.target.passwordFrom, target.target.tls]).toEqual([
      'app',
      'secret',
      'REDIS_PASSWORD',
      {},
    ]);
  });

  it('Sentinel: its own credentials and TLS, the data nodes’ apart', () => {
    const parsed = parse({
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'data-secret',
      REDIS_SENTINEL_USERNAME: 'watcher',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_SENTINEL_TLS: 'true',
    });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const target = redisTargetOf(parsed.config);
    if (!target.ok) throw new Error(target.errors.join());
    expect(target.target.sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ]);
    expect(target.target.sentinel).toEqual({ username: 'watcher', password: 'sentinel-secret', tls: {} });
    expect(target.target.tls).toBeUndefined(); // REDIS_TLS unset: the servers are reached in plaintext
    expect(target.target.where).toBe('REDIS_SENTINELS s1:26379,s2:26379 (primary "streamtally")');
  });

  it.each([
    [{ REDIS_URL: 'rediss://cache', REDIS_TLS: 'false' }, 'REDIS_TLS: is false, but REDIS_URL is rediss:// (TLS)'],
    [{ REDIS_URL: 'redis://:a@cache', REDIS_PASSWORD: 'b' }, 'REDIS_PASSWORD: is set, and REDIS_URL holds a password too'],
    [{ REDIS_URL: 'redis://cache', REDIS_TLS_CA_FILE: '/ca.pem' }, 'REDIS_TLS_CA_FILE: is set, but nothing uses TLS'],
    [{ REDIS_URL: 'rediss://cache', REDIS_TLS_CERT_FILE: '/c.pem' }, 'REDIS_TLS_KEY_FILE: is required with REDIS_TLS_CERT_FILE'],
    [{ REDIS_URL: 'redis://cache', REDIS_SENTINEL_PASSWORD: 'x' }, 'REDIS_SENTINEL_PASSWORD: is set, but REDIS_SENTINELS is not'],
    [
      { REDIS_URL: 'redis://cache', REDIS_REPLICA_TIMEOUT_MS: '5000', REDIS_SOCKET_TIMEOUT_MS: '5500' },
      'REDIS_SOCKET_TIMEOUT_MS: is 5500 ms: it must exceed REDIS_REPLICA_TIMEOUT_MS (5000 ms) by 1000 ms at least',
    ],
  ])('%j is refused naming the variable, never showing a password', (values, message) => {
    const errors = errorsOf(values).join('\n');
    expect(errors).toContain(message);
    expect(errors).not.toMatch(/"(a|b|x)"/);
  });

  it('a CA file that does not exist is named before Redis is asked', () => {
    const parsed = parse({ REDIS_URL: 'rediss://cache', REDIS_TLS_CA_FILE: '/nowhere/ca.pem' });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    expect(redisTargetOf(parsed.config)).toEqual({ ok: false, errors: ['REDIS_TLS_CA_FILE: /nowhere/ca.pem does not exist'] });
  });
});
