/**
 * The two Kafka requests the listener probe sends, framed by hand: ApiVersions v0 (every
 * listener answers it before authentication) and SaslHandshake v1 (a SASL listener answers
 * with its mechanisms, any other with ILLEGAL_SASL_STATE). Pure.
 */

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const CLIENT_ID = Buffer.from('streamtally-probe');

export const ERROR_NONE = 0;
export const ERROR_UNSUPPORTED_SASL_MECHANISM = 33;
export const ERROR_ILLEGAL_SASL_STATE = 34;

function frame(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(2 + 2 + 4 + 2 + CLIENT_ID.length);
  let at = header.writeInt16BE(apiKey, 0);
  at = header.writeInt16BE(apiVersion, at);
  at = header.writeInt32BE(correlationId, at);
  at = header.writeInt16BE(CLIENT_ID.length, at);
  CLIENT_ID.copy(header, at);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

export function apiVersionsRequest(correlationId: number): Buffer {
  return frame(API_VERSIONS, 0, correlationId, Buffer.alloc(0));
}

export function saslHandshakeRequest(correlationId: number, mechanism: string): Buffer {
  const name = Buffer.from(mechanism);
  const body = Buffer.alloc(2 + name.length);
  body.writeInt16BE(name.length, 0);
  name.copy(body, 2);
  return frame(SASL_HANDSHAKE, 1, correlationId, body);
}

/** A whole response at the start of `bytes`: its correlation id and body; undefined until it has all arrived. */
export function readResponse(bytes: Buffer): { correlationId: number; body: Buffer } | undefined {
  if (bytes.length < 8) return undefined;
  const size = bytes.readInt32BE(0);
  if (size < 4 || bytes.length < 4 + size) return undefined;
  return { correlationId: bytes.readInt32BE(4), body: bytes.subarray(8, 4 + size) };
}

/** A SaslHandshake v1 response body: error code and the listener's enabled mechanisms. */
export function parseSaslHandshake(body: Buffer): { errorCode: number; mechanisms: string[] } {
  const errorCode = body.readInt16BE(0);
  const count = body.readInt32BE(2);
  const mechanisms: string[] = [];
  let at = 6;
  for (let i = 0; i < count && at + 2 <= body.length; i += 1) {
    const length = body.readInt16BE(at);
    mechanisms.push(body.toString('utf8', at + 2, at + 2 + length));
    at += 2 + length;
  }
  return { errorCode, mechanisms };
}

/** The first bytes of a TLS record (handshake or alert): what a TLS listener sends to a plaintext client, if anything. */
export function looksLikeTls(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03;
}
