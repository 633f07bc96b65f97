import { parseGatewayConfig } from '../src/config';

describe('gateway config', () => {
  it('defaults', () => {
    expect(parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092' })).toMatchObject({
      ok: true,
      config: { PORT: 8080, RESULTS_TOPIC: 'window-results', ALLOWED_ORIGINS: '*' },
    });
  });
  it('names the bad variables', () => {
    const parsed = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', PORT: '-1', AUTH_TOKEN: 'short', SOFT_BUFFER_BYTES: '9000', HARD_BUFFER_BYTES: '5000' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors).toEqual(
        expect.arrayContaining([expect.stringMatching(/^PORT: .*\(got "-1"\)/), expect.stringMatching(/^AUTH_TOKEN: must be at least 8 characters/)]),
      );
    }
    const order = parseGatewayConfig({ KAFKA_BROKERS: 'kafka:9092', SOFT_BUFFER_BYTES: '9000', HARD_BUFFER_BYTES: '5000' });
    expect(order).toMatchObject({ ok: false, errors: [expect.stringMatching(/^HARD_BUFFER_BYTES: must be larger than SOFT_BUFFER_BYTES/)] });
  });
});
