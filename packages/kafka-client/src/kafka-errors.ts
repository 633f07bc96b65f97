/**
 * A failed Kafka request as the services see it: a stable `code` and whether sending again
 * may succeed. The code is Kafka's own name for a broker's answer (MESSAGE_TOO_LARGE,
 * TOPIC_AUTHORIZATION_FAILED, …) or one of ours when no broker answered (KAFKA_UNREACHABLE,
 * KAFKA_REQUEST_FAILED). Services decide retries on `retriable` and report `code`; only this
 * package knows how kafkajs shapes its errors.
 */
export class KafkaRequestError extends Error {
  override readonly name: string = 'KafkaRequestError';

  constructor(
    message: string,
    readonly code: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The error kafkajs threw, classified once (itself when it already is one). */
  static of(err: unknown): KafkaRequestError {
    if (err instanceof KafkaRequestError) return err;
    const { code, retriable } = classify(err);
    return new KafkaRequestError((err as Error)?.message ?? String(err), code, retriable, { cause: err });
  }
}

interface KafkaJsError {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
}

/**
 * kafkajs wraps a broker's answer (KafkaJSProtocolError, with Kafka's error type and its
 * retriable flag) in its own retry errors: the innermost answer decides. Without one, the
 * failure is the connection's or a timeout's, and the broker may come back: retriable.
 */
function classify(err: unknown): { code: string; retriable: boolean } {
  let connection = false;
  for (let e = err as KafkaJsError | undefined; e; e = e.cause as KafkaJsError | undefined) {
    if (e.name === 'KafkaJSProtocolError') return { code: e.type ?? 'UNKNOWN_SERVER_ERROR', retriable: e.retriable === true };
    connection ||= e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError';
  }
  return { code: connection ? 'KAFKA_UNREACHABLE' : 'KAFKA_REQUEST_FAILED', retriable: true };
}

/** Whether sending again may succeed: false only for a broker's refusal Kafka marks as final. */
export function isRetriableKafkaError(err: unknown): boolean {
  return KafkaRequestError.of(err).retriable;
}
