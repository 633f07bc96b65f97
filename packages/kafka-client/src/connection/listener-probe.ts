import net from 'node:net';
import tls from 'node:tls';
import type { KafkaConnection } from './connection';
import {
  apiVersionsRequest,
  ERROR_ILLEGAL_SASL_STATE,
  ERROR_NONE,
  ERROR_UNSUPPORTED_SASL_MECHANISM,
  looksLikeTls,
  parseSaslHandshake,
  readResponse,
  saslHandshakeRequest,
} from './kafka-frames';
import { describeTlsFailure } from './tls-failures';

/**
 * What a misconfigured client meets is a closed connection: kafkajs retries it until the
 * start-up timeout and then says only that no broker answered. Before the first connection,
 * one probe of one bootstrap broker compares its listener with the settings — does it speak
 * TLS, is its certificate trusted, does it want SASL and with which mechanisms — and names
 * the setting that does not match, in one line. It never authenticates: a SASL listener
 * sees a handshake and a closed connection, which it does not count as a failed login.
 *
 * Resolves with that line, or undefined when the listener matches the settings or no
 * bootstrap broker could be reached (kafkajs's own retries and timeout handle a broker that
 * is down or still starting).
 */
export async function probeListeners(connection: KafkaConnection, timeoutMs: number): Promise<string | undefined> {
  for (const broker of connection.brokers) {
    const colon = broker.lastIndexOf(':');
    const host = broker.slice(0, colon);
    const port = Number(broker.slice(colon + 1));
    const finding = await probeListener(connection, host, port, timeoutMs);
    if (finding.kind === 'problem') return finding.message;
    if (finding.kind === 'matches') return undefined;
  }
  return undefined;
}

type Finding = { kind: 'matches' } | { kind: 'problem'; message: string } | { kind: 'unreachable' };

async function probeListener(connection: KafkaConnection, host: string, port: number, timeoutMs: number): Promise<Finding> {
  const where = `${host}:${port}`;
  const wantsTls = connection.tls !== undefined;
  const channel = await open(host, port, wantsTls ? connection.tls : undefined, timeoutMs);
  if (channel.kind === 'unreachable') return channel;
  if (channel.kind === 'tls-failed') {
    if (channel.listenerNotTls && (await answersPlaintext(host, port, timeoutMs))) {
      return problem(
        `the listener at ${where} does not speak TLS (it answers plaintext Kafka), but KAFKA_SECURITY_PROTOCOL=${connection.protocol}: use ${connection.protocol === 'SASL_SSL' ? 'SASL_PLAINTEXT' : 'PLAINTEXT'}, or the broker's TLS listener`,
      );
    }
    return problem(
      `TLS to ${where} failed: ${describeTlsFailure(channel.error, { caFile: connection.described.caFile, certFile: connection.described.certFile })}`,
    );
  }
  const { socket } = channel;
  try {
    const versions = await exchange(socket, apiVersionsRequest(1), timeoutMs);
    // TLS 1.3: a server that wants a client certificate says so after the handshake, at the first read
    if (versions.kind === 'failed' && wantsTls) {
      return problem(
        `TLS to ${where} failed: ${describeTlsFailure(versions.error, { caFile: connection.described.caFile, certFile: connection.described.certFile })}`,
      );
    }
    if (versions.kind !== 'answer') {
      if (!wantsTls && (versions.kind === 'tls' || (await speaksTls(host, port, timeoutMs)))) {
        return problem(
          `the listener at ${where} speaks TLS, but KAFKA_SECURITY_PROTOCOL=${connection.protocol}: use SSL or SASL_SSL (with KAFKA_SSL_CA_FILE when its CA is not a public one)`,
        );
      }
      return { kind: 'unreachable' };
    }
    const asked = connection.described.mechanism ?? 'PLAIN';
    const handshake = await exchange(socket, saslHandshakeRequest(2, asked), timeoutMs);
    if (handshake.kind !== 'answer') return { kind: 'unreachable' };
    return compareSasl(connection, where, parseSaslHandshake(handshake.body));
  } finally {
    socket.destroy();
  }
}

function compareSasl(connection: KafkaConnection, where: string, { errorCode, mechanisms }: { errorCode: number; mechanisms: string[] }): Finding {
  const listenerUsesSasl = errorCode === ERROR_NONE || errorCode === ERROR_UNSUPPORTED_SASL_MECHANISM;
  const mechanism = connection.described.mechanism;
  const tlsName = connection.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  if (listenerUsesSasl && !mechanism) {
    return problem(
      `the listener at ${where} requires SASL authentication (it offers ${mechanisms.join(', ') || 'no mechanism'}), but KAFKA_SECURITY_PROTOCOL=${connection.protocol}: use ${tlsName} with KAFKA_SASL_MECHANISM and its credentials`,
    );
  }
  if (mechanism && errorCode === ERROR_ILLEGAL_SASL_STATE) {
    return problem(
      `the listener at ${where} does not use SASL, but KAFKA_SECURITY_PROTOCOL=${connection.protocol}: use ${connection.tls ? 'SSL' : 'PLAINTEXT'}, or the broker's SASL listener`,
    );
  }
  if (mechanism && errorCode === ERROR_UNSUPPORTED_SASL_MECHANISM) {
    return problem(`KAFKA_SASL_MECHANISM: the broker does not enable ${mechanism} on the listener at ${where}; it offers ${mechanisms.join(', ') || 'none'}`);
  }
  return { kind: 'matches' };
}

const problem = (message: string): Finding => ({ kind: 'problem', message });

type Channel = { kind: 'open'; socket: net.Socket } | { kind: 'unreachable' } | { kind: 'tls-failed'; error: Error; listenerNotTls: boolean };

/** A TCP (or TLS, with the service's own options) connection to the listener. */
function open(host: string, port: number, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<Channel> {
  return new Promise((resolve) => {
    let connected = false;
    const socket = tlsOptions ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...tlsOptions }) : net.connect({ host, port });
    const done = (channel: Channel) => {
      clearTimeout(timer);
      if (channel.kind !== 'open') socket.destroy();
      resolve(channel);
    };
    const timer = setTimeout(() => done({ kind: 'unreachable' }), timeoutMs);
    socket.once('connect', () => (connected = true));
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => done({ kind: 'open', socket }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected || !tlsOptions) return done({ kind: 'unreachable' });
      // reset or closed during the handshake: the listener did not take a TLS hello
      const listenerNotTls = error.code === 'ECONNRESET' || /disconnected before secure TLS|wrong version number|packet length too long/i.test(error.message);
      done({ kind: 'tls-failed', error, listenerNotTls });
    });
  });
}

type Exchange = { kind: 'answer'; body: Buffer } | { kind: 'tls' } | { kind: 'closed' } | { kind: 'failed'; error: Error };

/** Sends one request and waits for its response, a TLS record (a TLS listener's alert), or the end. */
function exchange(socket: net.Socket, request: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const finish = (result: Exchange) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (looksLikeTls(received)) return finish({ kind: 'tls' });
      const response = readResponse(received);
      if (response) finish({ kind: 'answer', body: response.body });
    };
    const onClose = () => finish({ kind: 'closed' });
    const onError = (error: Error) => finish({ kind: 'failed', error });
    const timer = setTimeout(onClose, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.write(request);
  });
}

async function answersPlaintext(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const channel = await open(host, port, undefined, timeoutMs);
  if (channel.kind !== 'open') return false;
  try {
    return (await exchange(channel.socket, apiVersionsRequest(1), timeoutMs)).kind === 'answer';
  } finally {
    channel.socket.destroy();
  }
}

/** Whether a TLS handshake completes, trusting any certificate: only to tell what the listener speaks. */
async function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const channel = await open(host, port, { rejectUnauthorized: false }, timeoutMs);
  if (channel.kind === 'open') channel.socket.destroy();
  return channel.kind === 'open';
}
