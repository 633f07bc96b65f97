import type { KafkaConnection } from './connection';
import { describeTlsFailure } from './tls-failures';

/**
 * A failure to connect, as one line naming the setting to fix, for what the listener probe
 * cannot see before connecting: credentials the broker refuses, a TLS failure on a broker
 * other than the one probed. Anything else keeps kafkajs's own message. Never includes a
 * secret: kafkajs's messages hold none, and the password is never part of the words here.
 */
export function explainConnectError(err: unknown, connection: KafkaConnection): string {
  const chain = causes(err);
  const { mechanism, username, tokenFile, caFile, certFile } = connection.described;
  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl) {
    if (mechanism === 'OAUTHBEARER')
      return `SASL OAUTHBEARER authentication failed (KAFKA_SASL_OAUTHBEARER_TOKEN_FILE ${tokenFile}): ${stripPrefix(sasl.message)}`;
    return `SASL authentication failed for user "${username}" (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): the broker refused the ${mechanism} credentials`;
  }
  const protocolError = chain.find((e) => e.name === 'KafkaJSProtocolError') as { type?: string; message: string } | undefined;
  if (protocolError?.type === 'UNSUPPORTED_SASL_MECHANISM') return `KAFKA_SASL_MECHANISM: the broker does not enable ${mechanism} on this listener`;
  if (protocolError?.type === 'ILLEGAL_SASL_STATE') return `KAFKA_SECURITY_PROTOCOL=${connection.protocol}: the broker's listener does not use SASL`;
  if (protocolError?.type === 'SASL_AUTHENTICATION_FAILED')
    return `SASL authentication failed (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): ${protocolError.message}`;
  const tls = chain.find((e) => typeof (e as NodeJS.ErrnoException).code === 'string' && /CERT|TLS|SSL/.test((e as NodeJS.ErrnoException).code!));
  if (tls) return `TLS to Kafka failed: ${describeTlsFailure(tls, { caFile, certFile })}`;
  return (err as Error).message;
}

function causes(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = err as (Error & { cause?: unknown; originalError?: unknown }) | undefined; e && chain.length < 10;) {
    chain.push(e);
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return chain;
}

function stripPrefix(message: string): string {
  return message.replace(/^SASL OAUTHBEARER( authentication failed)?: /, '');
}
