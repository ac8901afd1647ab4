import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookie } from '../platform/http/index.js';
import type { ApiDeps } from '../api/index.js';
import { recordAudit, recordLogin } from '../audit/index.js';
import { CSRF_HEADER, MAX_LOGIN_NAME_BYTES, SESSION_COOKIE, findUserByEmail, findUserById, findUserByName } from '../auth/index.js';
import { ApiError } from '../platform/errors/index.js';
import { loginSchema, parseBody } from './schema.js';

/** Audit columns are bounded; a principal is whatever a stranger typed. */
const MAX_AUDIT_NAME = 255;
const FORM_BODY_LIMIT = 16 * 1024;

/** The session cookie as every browser sign-in sets it (POST /c/login, the OIDC callback). */
export function sessionCookie(request: FastifyRequest, value: string, extra: string[] = []): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', ...extra];
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}

/** Browser sign-in outside /api/v2.0: POST /c/login, GET /c/log_out. */
export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Encapsulated, so the form parser serves these routes only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    /** Harbor's portal posts `principal` (username or email) and `password`. */
    scope.post('/c/login', async (request, reply) => {
      refuseOverRate(reply, deps.rateLimits.client('login', request.ip), 'too many sign-ins from this address');
      const { principal, password } = parseBody(loginSchema, request.body);
      // Counted by the name asked for, so guesses at one account from many addresses are bounded too;
      // no account's name is longer than the cut, which bounds what the counter keeps.
      refuseOverRate(reply, deps.rateLimits.account('login', principal.slice(0, MAX_LOGIN_NAME_BYTES)), 'too many sign-ins for this account');
      const username = await resolvePrincipal(principal);
      const auth = await deps.authenticator.password(username, password, request.ip);
      const at = deps.clock.now();
      if (!auth.ok && auth.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(auth.retryAfterSeconds));
        throw new ApiError('TOO_MANY_REQUEST', auth.reason);
      }
      if (!auth.ok || auth.identity.kind !== 'user') {
        await recordLogin(deps.database.db, { username: principal.slice(0, MAX_AUDIT_NAME), clientIp: request.ip, success: false, at });
        // A directory's refusal says why (a disabled LDAP account); every other failure reads the same.
        throw new ApiError('UNAUTHORIZED', auth.ok ? 'invalid username or password' : auth.reason);
      }
      const { id, username: name } = auth.identity;
      const { cookie: secret, session } = await deps.sessions.create(id, at);
      await recordLogin(deps.database.db, { username: name, clientIp: request.ip, success: true, at });
      reply.header('set-cookie', sessionCookie(request, secret)).header(CSRF_HEADER, session.csrfToken).code(200).send();
    });

    scope.get('/c/log_out', async (request, reply) => {
      const secret = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (secret) {
        const session = await deps.sessions.find(secret, deps.clock.now());
        await deps.sessions.delete(secret);
        const user = session ? await findUserById(deps.database.db, session.userId) : undefined;
        if (user) {
          await recordAudit(deps.database.db, {
            projectId: null,
            operation: 'logout',
            resourceType: 'user',
            resource: user.username,
            username: user.username,
            clientIp: request.ip,
            at: deps.clock.now(),
          });
        }
      }
      reply
        .header('set-cookie', sessionCookie(request, '', ['Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT']))
        .code(200)
        .send();
    });
  });

  function refuseOverRate(reply: FastifyReply, retryAfterSeconds: number | undefined, message: string): void {
    if (retryAfterSeconds === undefined) return;
    reply.header('retry-after', String(retryAfterSeconds));
    throw new ApiError('TOO_MANY_REQUEST', message);
  }

  /** As in Harbor's database auth, a user may sign in with their email instead of their name. */
  async function resolvePrincipal(principal: string): Promise<string> {
    // A principal longer than any name is left for the authenticator to refuse, unlooked-up.
    if (Buffer.byteLength(principal) > MAX_LOGIN_NAME_BYTES || !principal.includes('@') || (await findUserByName(deps.database.db, principal))) {
      return principal;
    }
    return (await findUserByEmail(deps.database.db, principal))?.username ?? principal;
  }
}
