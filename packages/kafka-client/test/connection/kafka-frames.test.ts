import { apiVersionsRequest, looksLikeTls, parseSaslHandshake, readResponse, saslHandshakeRequest } from '../../src/connection/kafka-frames';

describe('the listener probe’s Kafka frames', () => {
  it('frames requests with their size, api key, version and correlation id', () => {
    const request = apiVersionsRequest(7);
    expect(request.readInt32BE(0)).toBe(request.length - 4);
    expect([request.readInt16BE(4), request.readInt16BE(6), request.readInt32BE(8)]).toEqual([18, 0, 7]);
    const handshake = saslHandshakeRequest(2, 'SCRAM-SHA-512');
    expect([handshake.readInt16BE(4), handshake.readInt16BE(6)]).toEqual([17, 1]);
    expect(handshake.subarray(handshake.length - 'SCRAM-SHA-512'.length).toString()).toBe('SCRAM-SHA-512');
  });

  it('reads a response only once it has all arrived', () => {
    const body = Buffer.from([0, 33, 0, 0, 0, 2, 0, 5, ...Buffer.from('PLAIN'), 0, 11, ...Buffer.from('OAUTHBEARER')]);
    const whole = Buffer.concat([Buffer.alloc(4), Buffer.from([0, 0, 0, 2]), body]);
    whole.writeInt32BE(whole.length - 4, 0);
    expect(readResponse(whole.subarray(0, whole.length - 1))).toBeUndefined();
    const response = readResponse(whole)!;
    expect(response.correlationId).toBe(2);
    expect(parseSaslHandshake(response.body)).toEqual({ errorCode: 33, mechanisms: ['PLAIN', 'OAUTHBEARER'] });
  });

  it('knows a TLS record when a plaintext client meets one', () => {
    expect(looksLikeTls(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02]))).toBe(true);
    expect(looksLikeTls(Buffer.from([0x00, 0x00, 0x00, 0x10]))).toBe(false);
  });
});
