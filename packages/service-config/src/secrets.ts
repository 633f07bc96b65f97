import fs from 'node:fs';

/**
 * Every setting of the project whose value is a secret. Their values are never echoed in an
 * error or a log, and each can come from a file instead (`<NAME>_FILE`): Docker and
 * Kubernetes hand secrets to a container as files. REDIS_URL may hold a password, so it is
 * here too, and shown only with its password masked.
 */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SSL_KEY_PASSWORD',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_TLS_KEY_PASSWORD',
  'AUTH_TOKEN',
]);

export type ReadSecretFile = (file: string) => string;

export function readSecretFile(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/**
 * The values with each `<SECRET>_FILE` read into `<SECRET>`, for the secrets `names` holds.
 * Each problem names the variable and the file, never the content.
 */
export function resolveSecretFiles(
  values: Record<string, string | undefined>,
  names: Iterable<string>,
  read: ReadSecretFile = readSecretFile,
): { values: Record<string, string | undefined>; errors: string[] } {
  const resolved = { ...values };
  const errors: string[] = [];
  for (const name of names) {
    const file = values[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (values[name] !== undefined && values[name] !== '') {
      errors.push(`${name}_FILE: ${name} is set too; set one of them`);
      continue;
    }
    try {
      // one value, as Docker and Kubernetes write secrets; an editor's final newline is not part of it
      const content = read(file).replace(/\r?\n$/, '');
      if (content === '') errors.push(`${name}_FILE: ${file} is empty`);
      else resolved[name] = content;
    } catch (err) {
      errors.push(`${name}_FILE: ${describeFileError(file, err)}`);
    }
  }
  return { values: resolved, errors };
}

/** Why a file named by a setting could not be read, in words. */
export function describeFileError(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file} does not exist`;
  if (code === 'EACCES') return `${file} is not readable`;
  if (code === 'EISDIR') return `${file} is a directory, not a file`;
  return `${file} cannot be read (${(err as Error).message})`;
}
