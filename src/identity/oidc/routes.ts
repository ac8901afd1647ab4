import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuthenticated, requireSystem, type ApiDeps } from '../../api/index.js';
import { recordLogin } from '../../audit/index.js';
import { CSRF_HEADER } from '../../auth/index.js';
import type { User } from '../../platform/db/index.js';
import { DomainError } from '../../platform/errors/index.js';
import { parseBody, readCookie } from '../../platform/http/index.js';
import { sessionCookie } from '../../users/index.js';
import { cliSecretSchema, onboardSchema, parseId, pingSchema } from './schema.js';
import { LOGIN_STATE_MS, type OidcService } from './service.js';

export interface OidcRouteDeps extends ApiDeps {
  oidc: OidcService;
}

/** Carries the login's state, nonce and PKCE verifier to the callback; Lax, since the provider's redirect back is a cross-site navigation. */
const STATE_COOKIE = 'berth_oidc_login';
/** Carries a provider user waiting to choose a username; only the portal's own requests send it. */
const ONBOARD_COOKIE = 'berth_oidc_onboard';

function flowCookie(request: FastifyRequest, name: string, value: string, sameSite: 'Lax' | 'Strict', maxAgeSeconds: number): string {
  const parts = [`${name}=${value}`, 'HttpOnly', `SameSite=${sameSite}`, 'Path=/c/oidc', `Max-Age=${maxAgeSeconds}`];
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}

/** `<external URL>/c/oidc/callback`: what the provider must have registered as the redirect URI. */
function redirectUri(deps: ApiDeps, request: FastifyRequest): string {
  const base = (deps.config.server.externalUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
  return `${base}/c/oidc/callback`;
}

/** Browser sign-in through the provider: Harbor's /c/oidc/login, /c/oidc/callback and /c/oidc/onboard. */
export function registerOidcRoutes(app: FastifyInstance, deps: OidcRouteDeps): void {
  const stateSeconds = LOGIN_STATE_MS / 1000;

  async function signIn(request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
    const at = deps.clock.now();
    const { cookie, session } = await deps.sessions.create(user.id, at);
    await recordLogin(deps.database.db, { username: user.username, clientIp: request.ip, success: true, at });
    reply.header('set-cookie', sessionCookie(request, cookie)).header(CSRF_HEADER, session.csrfToken);
  }

  app.get<{ Querystring: { redirect_url?: string } }>('/c/oidc/login', async (request, reply) => {
    const next = typeof request.query.redirect_url === 'string' ? request.query.redirect_url : undefined;
    const { location, state } = await deps.oidc.startLogin(redirectUri(deps, request), next);
    reply.header('set-cookie', flowCookie(request, STATE_COOKIE, state, 'Lax', stateSeconds)).redirect(location, 302);
  });

  app.get('/c/oidc/callback', async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const clearState = flowCookie(request, STATE_COOKIE, '', 'Lax', 0);
    try {
      const outcome = await deps.oidc.finishLogin(query, readCookie(request.headers.cookie, STATE_COOKIE));
      if (outcome.kind === 'onboard') {
        const params = new URLSearchParams({ username: outcome.suggestion, redirect_url: outcome.next });
        reply
          .header('set-cookie', [clearState, flowCookie(request, ONBOARD_COOKIE, outcome.pending, 'Strict', stateSeconds)])
          .redirect(`/oidc-onboard?${params.toString()}`, 302);
        return;
      }
      await signIn(request, reply, outcome.user);
      const session = reply.getHeader('set-cookie');
      reply.header('set-cookie', [clearState, ...(Array.isArray(session) ? session : [String(session)])]).redirect(outcome.next, 302);
    } catch (error) {
      // A browser came here: it goes back to the sign-in page, which shows why.
      if (!(error instanceof DomainError)) throw error;
      request.log.info({ reason: error.message }, 'OIDC sign-in refused');
      reply.header('set-cookie', clearState).redirect(`/sign-in?${new URLSearchParams({ oidc_error: error.message }).toString()}`, 302);
    }
  });

  app.post('/c/oidc/onboard', async (request, reply) => {
    const { username } = parseBody(onboardSchema, request.body);
    const user = await deps.oidc.onboard(readCookie(request.headers.cookie, ONBOARD_COOKIE), username.trim());
    await signIn(request, reply, user);
    const session = reply.getHeader('set-cookie');
    reply
      .header('set-cookie', [flowCookie(request, ONBOARD_COOKIE, '', 'Strict', 0), ...(Array.isArray(session) ? session : [String(session)])])
      .code(200)
      .send();
  });
}

/** Harbor's `POST /system/oidc/ping` and `PUT /users/{user_id}/cli_secret`. */
export function oidcApi(scope: FastifyInstance, deps: OidcRouteDeps): void {
  scope.post('/system/oidc/ping', async (request, reply) => {
    requireSystem(request, deps.access, 'configuration', 'update');
    const { url, verify_cert } = parseBody(pingSchema, request.body);
    await deps.oidc.ping(url, verify_cert ?? true);
    reply.code(200).send();
  });

  scope.put<{ Params: { user_id: string } }>('/users/:user_id/cli_secret', async (request, reply) => {
    const caller = requireAuthenticated(request);
    const id = parseId(request.params.user_id, 'user_id');
    const self = caller.identity.kind === 'user' && caller.identity.id === id;
    // Beyond Harbor's user:update: a CLI secret is a password, so only its user or a system administrator sets it, never a robot.
    if (!self && !(caller.identity.kind === 'user' && caller.identity.sysadmin)) {
      throw new DomainError('denied', 'input', `not allowed to set the CLI secret of user ${id}`);
    }
    const { secret } = parseBody(cliSecretSchema, request.body);
    await deps.oidc.setCliSecret(id, secret);
    reply.code(200).send();
  });
}
