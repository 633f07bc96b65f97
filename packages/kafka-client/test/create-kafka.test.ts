import { logLevel } from 'kafkajs';
import { isRetriableKafkaError, KafkaRequestError, PartiallySentError, pinoLevelOf } from '../src';

const entry = (level: number, message: string, extra: Record<string, unknown> = {}) => ({
  level,
  log: { message, timestamp: '', logger: 'kafkajs', ...extra },
});

describe('pinoLevelOf (kafkajs log levels in our logs)', () => {
  it('keeps kafkajs levels', () => {
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Invalid request'))).toBe('error');
    expect(pinoLevelOf(entry(logLevel.WARN, 'something'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.INFO, 'Starting'))).toBe('info');
  });

  it('makes connection attempts to a broker that is not up (yet) warnings', () => {
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:1'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Connection timeout'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Crash: KafkaJSConnectionError: Connection error'))).toBe('error');
  });

  it('keeps the states kafkajs recovers from out of the error log', () => {
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', { error: 'Topic with this name already exists' }))).toBe('info');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors' }))).toBe('info');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is not available'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Restarting the consumer in 300ms'))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group"))).toBe(
      'warn',
    );
    // a broker error kafkajs does not retry is no state it recovers from
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Crash: KafkaJSProtocolError: Not authorized to access group: Group authorization failed'))).toBe('error');
    // another instance joining the group (scaling, a restart): kafkajs rejoins by itself
    for (const error of [
      'The group is rebalancing, so a rejoin is needed',
      'The coordinator is not aware of this member',
      'Specified group generation id is not valid',
    ])
      expect(pinoLevelOf(entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error }))).toBe('info');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'Not authorized to access group' }))).toBe('error');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Topic authorization failed'))).toBe('error');
  });

  it('makes a send the producer retries a warning, and one it cannot retry an error', () => {
    const retried = { retryCount: 0, retryTime: 354 };
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Failed to send messages: This server is not the leader for that topic-partition', retried))).toBe('warn');
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Failed to send messages: Topic authorization failed', retried))).toBe('error');
  });

  it('makes a failed response that kafkajs retries a warning, not an error', () => {
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(pinoLevelOf(entry(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', { error: loading }))).toBe('warn');
    expect(
      pinoLevelOf(
        entry(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
          error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
        }),
      ),
    ).toBe('warn');
  });

  it('keeps a failed response that is not retried an error', () => {
    expect(
      pinoLevelOf(
        entry(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
          error: 'Not authorized to access topics: [Topic authorization failed]', // kafkajs's own text, not retriable
        }),
      ),
    ).toBe('error');
  });

  it('puts the known-harmless retry warning at debug', () => {
    expect(pinoLevelOf(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'))).toBe('debug');
  });
});

describe('isRetriableKafkaError', () => {
  it('is false only for a broker refusal kafkajs marks as final, however deeply wrapped', () => {
    const tooLarge = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false, type: 'MESSAGE_TOO_LARGE' });
    const wrapped = Object.assign(new Error('wrapped', { cause: tooLarge }), { name: 'KafkaJSNonRetriableError' });
    expect(isRetriableKafkaError(tooLarge)).toBe(false);
    expect(isRetriableKafkaError(wrapped)).toBe(false);
    const leaderMoving = Object.assign(new Error('leader'), { name: 'KafkaJSProtocolError', retriable: true });
    expect(isRetriableKafkaError(Object.assign(new Error('retries exhausted', { cause: leaderMoving }), { name: 'KafkaJSNumberOfRetriesExceeded' }))).toBe(
      true,
    );
    expect(isRetriableKafkaError(Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' }))).toBe(true);
  });

  it('classifies once, at the door, into a stable code that travels with the error', () => {
    const tooLarge = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false, type: 'MESSAGE_TOO_LARGE' });
    const classified = KafkaRequestError.of(Object.assign(new Error('wrapped', { cause: tooLarge }), { name: 'KafkaJSNonRetriableError' }));
    expect(classified).toMatchObject({ code: 'MESSAGE_TOO_LARGE', retriable: false, message: 'wrapped' });
    expect(KafkaRequestError.of(classified)).toBe(classified);
    expect(KafkaRequestError.of(Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' }))).toMatchObject({
      code: 'KAFKA_UNREACHABLE',
      retriable: true,
    });
    expect(KafkaRequestError.of(new Error('Request timed out'))).toMatchObject({ code: 'KAFKA_REQUEST_FAILED', retriable: true });
    // a partly sent batch carries its first failure's code: the producer decides on it alone
    const partly = new PartiallySentError(new Map([['t', new Map([[0, []]])]]), 3, tooLarge);
    expect(partly).toMatchObject({ code: 'MESSAGE_TOO_LARGE', retriable: false, unsentCount: 3 });
    expect(partly.message).toBe('3 message(s) in 1 partition(s) not acknowledged: too large');
  });
});
