import { initialResponse, jwtExpiry, oauthFailure, readTokenFile } from '../../src/connection/oauthbearer';

const jwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const fileOf = (content: string) => () => Buffer.from(content);

describe('OAUTHBEARER token file', () => {
  it('reads one token, the final newline dropped', () => {
    expect(readTokenFile('/t', fileOf('abc.def.ghi\n'))).toEqual({ ok: true, token: 'abc.def.ghi' });
  });

  it.each([
    ['empty', '', '/t is empty'],
    ['two tokens', 'a b', '/t holds more than one token (whitespace inside)'],
    ['an expired JWT', jwt({ exp: 1000 }), 'the token in /t expired at 1970-01-01T00:16:40.000Z'],
  ])('refuses a file that is %s', (_case, content, message) => {
    const read = readTokenFile('/t', fileOf(content), 2_000_000);
    expect(read.ok ? '' : read.error).toBe(message);
  });

  it('names a missing file', () => {
    const missing = readTokenFile('/no/such/token', () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });
    expect(missing).toEqual({ ok: false, error: '/no/such/token does not exist' });
  });

  it('reads the expiry of a JWT, and none of an opaque token', () => {
    expect(jwtExpiry(jwt({ sub: 'a', exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.%%%.c')).toBeUndefined();
  });

  it('frames the client message as RFC 7628 and SaslAuthenticate carry it', () => {
    const framed = initialResponse('tok');
    expect(framed.readInt32BE(0)).toBe(framed.length - 4);
    expect(framed.subarray(4).toString()).toBe('n,,\u0001auth=Bearer tok\u0001\u0001');
  });

  it("tells the server's error answer from success", () => {
    expect(oauthFailure(Buffer.from([0, 0, 0, 0]))).toBeUndefined();
    const refused = Buffer.concat([Buffer.from([0, 0, 0, 26]), Buffer.from('{"status":"invalid_token"}')]);
    expect(oauthFailure(refused)).toBe('invalid_token');
  });
});
