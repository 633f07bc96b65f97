import { parseGatewayConfig } from '../src/config';

describe('gateway config', () => {
  it('defaults', () => {
    expect(parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092' })).toMatchObject({
      ok: true,
      config: { PORT: 8080, METRICS_PORT: 9466, RESULTS_TOPIC: 'window-results', ALLOWED_HOSTS: ['localhost', '127.0.0.1', '::1'] },
    });
  });
  it('the page’s own origin only, by default; /metrics never on the public port', () => {
    const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092' });
    expect(parsed.ok && parsed.config.ALLOWED_ORIGINS).toBeUndefined();
    expect(parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', PORT: '9466' })).toMatchObject({
      ok: false,
      errors: ['METRICS_PORT: must differ from PORT: /metrics is never served on the public port'],
    });
  });

  it('several tokens at once, for a rotation', () => {
    const [a, b] = ['a'.repeat(32), 'b'.repeat(40)];
    const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', AUTH_TOKEN: `${a}, ${b}` });
    expect(parsed.ok && parsed.config.AUTH_TOKEN).toEqual([a, b]);
  });

  it('names the bad variables', () => {
    const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', PORT: '-1', AUTH_TOKEN: 'short', SOFT_BUFFER_BYTES: '9000', HARD_BUFFER_BYTES: '5000' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^PORT: .*\(got "-1"\)/),
          'AUTH_TOKEN: each token must be at least 32 characters (e.g. openssl rand -hex 32) (value not shown: it is a secret)',
        ]),
      );
    }
    const order = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', SOFT_BUFFER_BYTES: '9000', HARD_BUFFER_BYTES: '5000' });
    expect(order).toMatchObject({ ok: false, errors: [expect.stringMatching(/^HARD_BUFFER_BYTES: must be larger than SOFT_BUFFER_BYTES/)] });
  });
});
