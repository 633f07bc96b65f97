import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may use the gateway, decided from a request's headers alone. Pure: the routes and
 * hooks in http/ apply it.
 */

/**
 * Compares a presented token with the secret in constant time (over their hashes, so the
 * length does not leak either): `!==` stops at the first differing character.
 */
export function sameSecret(presented: string | undefined, secret: string): boolean {
  if (presented === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/** Whether the token is one of the accepted ones (several during a rotation); every one is compared. */
export function acceptedToken(presented: string | undefined, tokens: readonly string[]): boolean {
  let accepted = false;
  for (const token of tokens) accepted = sameSecret(presented, token) || accepted;
  return accepted;
}

/** The bearer token of an Authorization header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

/** The host name of a Host header, without its port, lower case (`[::1]:8080` → `::1`). */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

/** Whether a request's Host is one the gateway serves: a page reached under another name may be a DNS rebinding. */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  const name = hostName(host);
  return name !== undefined && allowed.includes(name);
}

/**
 * Whether a browser on `origin` may open /ws or call /api: the page's own origin always
 * (its host is the request's Host), the ALLOWED_ORIGINS list, or any with `*`. A request
 * without an Origin is not from a browser page and is let through (the token still applies).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: '*' | readonly string[] | undefined): boolean {
  if (origin === undefined) return true;
  if (allowed === '*') return true;
  if (allowed?.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" (a sandboxed frame, a file) and anything else unreadable
  }
}
