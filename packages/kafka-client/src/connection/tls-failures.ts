/** What a client's TLS options said, for naming the setting a failure points to. */
export interface TlsSettingsNames {
  /** the variable naming the CA file, and the file when one is set */
  caVariable: string;
  caFile?: string;
  certVariables: string;
  certFile?: string;
  hostnameVariable?: string;
}

const KAFKA_NAMES: TlsSettingsNames = {
  caVariable: 'KAFKA_SSL_CA_FILE',
  certVariables: 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
  hostnameVariable: 'KAFKA_SSL_ENDPOINT_IDENTIFICATION',
};

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * A TLS handshake failure in words, naming the setting to look at: a server certificate not
 * signed by a trusted CA, expired or not yet valid, for another host name; a client
 * certificate the server requires or refuses. Used for Kafka and Redis alike.
 */
export function describeTlsFailure(error: Error, names: Partial<TlsSettingsNames> = {}): string {
  const n = { ...KAFKA_NAMES, ...names };
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED.has(code)) {
    return n.caFile
      ? `the server's certificate is not signed by a CA in ${n.caVariable} (${n.caFile}) (${code})`
      : `the server's certificate is not signed by a CA this machine trusts: set ${n.caVariable} to the CA that signed it (${code})`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired (${code}): the server must renew it`;
  if (code === 'CERT_NOT_YET_VALID') return `the server's certificate is not valid yet (${code}): check the clocks of both machines`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const { host, cert } = error as { host?: string; cert?: { subjectaltname?: string } };
    const names = cert?.subjectaltname ? ` (it is for ${cert.subjectaltname})` : '';
    return `the server's certificate is not for ${host ?? 'the address connected to'}${names}${n.hostnameVariable ? `: connect by a name it holds, or set ${n.hostnameVariable}=none` : ''}`;
  }
  // alerts the server sends when it wants a client certificate it does not get or trust
  if (/alert (bad certificate|certificate required|unknown ca|certificate unknown)|SSL alert number (42|46|48|116)/i.test(error.message)) {
    return n.certFile
      ? `the server refused this client's certificate (${n.certFile}): it must be signed by a CA the server trusts (${n.certVariables})`
      : `the server requires a client certificate (mutual TLS): set ${n.certVariables}`;
  }
  return `${code ? `${code}: ` : ''}${error.message.split('\n')[0]}`;
}
