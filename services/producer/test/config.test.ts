import { parseProducerConfig } from '../src/config';

describe('producer config', () => {
  it('applies the defaults: the original pace of 10 events/s into user-actions', () => {
    const parsed = parseProducerConfig({ KAFKA_BROKERS: 'kafka:9092' });
    expect(parsed).toMatchObject({
      ok: true,
      config: {
        KAFKA_BROKERS: ['kafka:9092'],
        PACE: 'fixed',
        RATE: 10,
        INPUT_TOPIC: 'user-actions',
        DEAD_LETTER_TOPIC: 'user-actions.dlq',
        LOOP: false,
        TOPIC_PARTITIONS: 6,
      },
    });
  });

  it('names each bad variable, its flag and the value given', () => {
    const parsed = parseProducerConfig({ KAFKA_BROKERS: 'kafka', RATE: '0', PACE: 'warp', LOOP: 'maybe' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KAFKA_BROKERS \(--brokers\): expected host:port.*\(got "kafka"\)$/),
        expect.stringMatching(/^RATE \(--rate\): .*\(got "0"\)$/),
        expect.stringMatching(/^PACE \(--pace\): .*\(got "warp"\)$/),
        expect.stringMatching(/^LOOP \(--loop\): .*\(got "maybe"\)$/),
      ]),
    );
  });

  it('requires KAFKA_BROKERS', () => {
    const parsed = parseProducerConfig({});
    expect(parsed).toMatchObject({ ok: false, errors: [expect.stringMatching(/^KAFKA_BROKERS \(--brokers\): is required/)] });
  });
});
