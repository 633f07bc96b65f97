import { describeTlsFailure } from '../../src';

const failure = (code: string, message = code, extra: object = {}) => Object.assign(new Error(message), { code }, extra);

describe('describeTlsFailure', () => {
  it('an untrusted server certificate names the CA setting and file', () => {
    expect(describeTlsFailure(failure('SELF_SIGNED_CERT_IN_CHAIN'), { caFile: '/ca.pem' })).toBe(
      "the server's certificate is not signed by a CA in KAFKA_SSL_CA_FILE (/ca.pem) (SELF_SIGNED_CERT_IN_CHAIN)",
    );
    expect(describeTlsFailure(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toContain('set KAFKA_SSL_CA_FILE to the CA that signed it');
  });

  it('expired, and for another name', () => {
    expect(describeTlsFailure(failure('CERT_HAS_EXPIRED'))).toContain('has expired');
    const wrongName = failure('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", {
      host: '10.0.0.5',
      cert: { subjectaltname: 'DNS:kafka.example.com' },
    });
    expect(describeTlsFailure(wrongName)).toBe(
      "the server's certificate is not for 10.0.0.5 (it is for DNS:kafka.example.com): connect by a name it holds, or set KAFKA_SSL_ENDPOINT_IDENTIFICATION=none",
    );
  });

  it('a client certificate required or refused, with Redis names when asked', () => {
    const alert = failure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'error:0A00045C:SSL routines::tlsv13 alert certificate required:SSL alert number 116');
    expect(describeTlsFailure(alert, { certVariables: 'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE' })).toBe(
      'the server requires a client certificate (mutual TLS): set REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
    );
    expect(describeTlsFailure(failure('X', 'ssl/tls alert bad certificate: SSL alert number 42'), { certFile: '/me.pem' })).toContain(
      "the server refused this client's certificate (/me.pem)",
    );
  });
});
