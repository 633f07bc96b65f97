import { parseAggregatorConfig } from '../src/config';

describe('aggregator config', () => {
  it('needs Kafka and Redis and defaults the rest', () => {
    expect(parseAggregatorConfig({ KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379' })).toMatchObject({
      ok: true,
      config: { RESULTS_TOPIC: 'window-results', STATE_NAMESPACE: 'v1', IDLE_TIMEOUT_MS: 5000, CONSUMER_GROUP: 'streamtally-aggregator' },
    });
  });

  it('names the bad variables', () => {
    const parsed = parseAggregatorConfig({ KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'localhost:6379', IDLE_TIMEOUT_MS: 'soon' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors).toEqual([
        expect.stringMatching(/^REDIS_URL: expected redis:\/\/host:port\[\/db\] \(got "localhost:6379"\)$/),
        expect.stringMatching(/^IDLE_TIMEOUT_MS: .*\(got "soon"\)$/),
      ]);
    }
  });
});
