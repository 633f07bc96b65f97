import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptedToken, bearerToken } from '../access';
import { errorReply } from '../schemas';

export const SESSION_COOKIE = 'streamtally_session';

export interface SessionOptions {
  /** the accepted tokens (AUTH_TOKEN); none: no access control */
  tokens: readonly string[];
  ttlSeconds: number;
  onRefused(reason: 'unauthorized'): void;
}

/**
 * The token never stays in a URL: the page trades it once (POST /api/session with
 * `Authorization: Bearer`) for an HttpOnly, SameSite=Strict session cookie, signed with the
 * first accepted token; a cookie signed with another accepted token still counts and is
 * re-signed (rotation), one signed with a token no longer accepted does not.
 */
export function sessionRoutes(app: FastifyInstance, options: SessionOptions): void {
  const schema = { response: { 204: { type: 'null' }, 401: errorReply } } as const;
  app.post('/api/session', { schema }, (request, reply) => {
    if (!acceptedToken(bearerToken(request.headers.authorization), options.tokens)) {
      options.onRefused('unauthorized');
      return reply.code(401).send({ error: 'missing or wrong bearer token' });
    }
    setSession(request, reply, options.ttlSeconds);
    return reply.code(204).send();
  });
  app.delete('/api/session', (_request, reply) => reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send());
}

function setSession(request: FastifyRequest, reply: FastifyReply, ttlSeconds: number): void {
  const expiresAt = Date.now() + ttlSeconds * 1000;
  reply.setCookie(SESSION_COOKIE, String(expiresAt), {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: ttlSeconds,
  });
}

/** Whether a request carries an accepted token or an unexpired session; re-signs an old-key session. */
export function hasAccess(request: FastifyRequest, reply: FastifyReply, options: SessionOptions): boolean {
  if (options.tokens.length === 0) return true;
  if (acceptedToken(bearerToken(request.headers.authorization), options.tokens)) return true;
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined) return false;
  const session = request.unsignCookie(cookie);
  if (!session.valid || !(Number(session.value) > Date.now())) return false;
  if (session.renew) setSession(request, reply, Math.round((Number(session.value) - Date.now()) / 1000));
  return true;
}
