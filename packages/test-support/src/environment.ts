/**
 * Where integration tests find the real broker and Redis. ./scripts/test sets both
 * (starting them when needed); a developer running Jest by hand exports them.
 */
export function testBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) {
    throw new Error('KAFKA_BROKERS is not set: run ./scripts/test, or start scripts/kafka-local and export KAFKA_BROKERS=127.0.0.1:9092');
  }
  return value.split(',').map((broker) => broker.trim());
}

export function testRedisUrl(): string {
  const value = process.env.REDIS_URL;
  if (!value) throw new Error('REDIS_URL is not set: run ./scripts/test, or export REDIS_URL=redis://127.0.0.1:6379');
  return value;
}
