import { KafkaJSSASLAuthenticationError, type Mechanism } from 'kafkajs';

/** kafkajs's own class (non-retriable: kafkajs stops at once), typed without its message argument. */
const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
import { describeFileError } from '@streamtally/service-config';
import type { ReadFile } from './connection';

const SEPARATOR = '\u0001';

/**
 * The token in the file, checked: present, one line, and — when it is a JWT with an `exp`
 * claim — not expired. An agent outside the process (a sidecar, a cron job, Vault) keeps
 * the file fresh; the file is read again whenever a connection authenticates.
 */
export function readTokenFile(file: string, read: ReadFile, now = Date.now()): { ok: true; token: string } | { ok: false; error: string } {
  let token: string;
  try {
    token = read(file).toString('utf8').trim();
  } catch (err) {
    return { ok: false, error: describeFileError(file, err) };
  }
  if (token === '') return { ok: false, error: `${file} is empty` };
  if (/\s/.test(token)) return { ok: false, error: `${file} holds more than one token (whitespace inside)` };
  const expiresAt = jwtExpiry(token);
  if (expiresAt !== undefined && expiresAt <= now) return { ok: false, error: `the token in ${file} expired at ${new Date(expiresAt).toISOString()}` };
  return { ok: true, token };
}

/** The `exp` of a JWT (or an unsecured JWS), in ms; undefined for an opaque token. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The client's first (and only) OAUTHBEARER message (RFC 7628), length-prefixed as SaslAuthenticate carries it. */
export function initialResponse(token: string): Buffer {
  const message = Buffer.from(`n,,${SEPARATOR}auth=Bearer ${token}${SEPARATOR}${SEPARATOR}`);
  const framed = Buffer.alloc(4 + message.length);
  framed.writeInt32BE(message.length, 0);
  message.copy(framed, 4);
  return framed;
}

/**
 * The server's answer after the client's message: empty on success; on failure a JSON error
 * (`{"status":"invalid_token"}`, RFC 7628 §3.2.2). kafkajs's own OAUTHBEARER takes any answer
 * for success, and the broker then closes every connection without saying why.
 */
export function oauthFailure(authBytes: Buffer): string | undefined {
  const payload = authBytes.length >= 4 ? authBytes.subarray(4) : authBytes;
  if (payload.length === 0) return undefined;
  const text = payload.toString('utf8');
  try {
    const status = (JSON.parse(text) as { status?: unknown }).status;
    return typeof status === 'string' ? status : text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/** OAUTHBEARER with the token read from `file` at every authentication. */
export function oauthBearerMechanism(file: string, read: ReadFile): Mechanism {
  return {
    mechanism: 'OAUTHBEARER',
    authenticationProvider: ({ saslAuthenticate }) => ({
      async authenticate() {
        const token = readTokenFile(file, read);
        if (!token.ok) throw new SaslAuthenticationError(`SASL OAUTHBEARER: KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: ${token.error}`);
        const failure = await saslAuthenticate<string | undefined>({
          request: { encode: () => initialResponse(token.token) },
          response: { decode: (bytes: Buffer) => bytes, parse: (bytes: Buffer) => oauthFailure(bytes) },
        });
        if (failure !== undefined) {
          throw new SaslAuthenticationError(`SASL OAUTHBEARER authentication failed: the broker refused the token in ${file} (${failure})`);
        }
      },
    }),
  };
}
