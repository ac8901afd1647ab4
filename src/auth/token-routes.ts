import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Project } from '../platform/db/index.js';
import { ApiError, OciError } from '../platform/errors/index.js';
import { splitRepositoryName } from '../platform/lib/index.js';
import type { Clock } from '../platform/clock.js';
import { REPOSITORY_ACTIONS, type AccessControl, type RepositoryAction } from './access.js';
import { parseAuthorization, type Authenticator } from './authenticator.js';
import { accountRef, identityName, type Identity } from './identity.js';
import { parseScopes, type ResourceScope } from './scope.js';
import type { RateLimits } from './rate-limits.js';
import type { TokenSigner } from './tokens.js';

/** A login attempt at the token service, for the audit log. */
export interface LoginAttempt {
  username: string;
  clientIp: string;
  success: boolean;
  at: number;
}

/**
 * What the token service needs from features that build on auth (projects, audit); app.ts
 * passes it in so auth imports neither.
 */
export interface TokenServiceHooks {
  /** The project a repository scope names, or undefined. */
  findProject(name: string): Promise<Project | undefined>;
  /** Records a login attempt in the audit log. */
  recordLogin(attempt: LoginAttempt): Promise<void>;
}

export interface TokenRouteDeps {
  tokenService: TokenServiceHooks;
  authenticator: Authenticator;
  access: AccessControl;
  signer: TokenSigner;
  clock: Clock;
  service: string;
  rateLimits: RateLimits;
}

function queryValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Docker token authentication: Basic credentials in, a JWT granting what was asked AND allowed out. */
export function registerTokenRoutes(app: FastifyInstance, deps: TokenRouteDeps): void {
  app.get('/service/token', async (request, reply) => {
    refuseOverRate(deps.rateLimits.client('token', request.ip), 'too many token requests from this address');
    const query = request.query as Record<string, unknown>;
    const service = queryValues(query.service)[0];
    if (service !== undefined && service !== deps.service) {
      throw new ApiError('BAD_REQUEST', `unable to handle service "${service}"`);
    }
    const credentials = parseAuthorization(request.headers.authorization);
    if (credentials.kind === 'bearer') throw new ApiError('UNAUTHORIZED', 'a token cannot be exchanged for a token');
    const auth = await deps.authenticator.authenticate(credentials, request.ip);
    if (!auth.ok && auth.retryAfterSeconds !== undefined) {
      // Not recorded: an address flooding failed logins would otherwise flood the audit log.
      reply.header('retry-after', String(auth.retryAfterSeconds));
      throw new ApiError('TOO_MANY_REQUEST', auth.reason);
    }
    const scopes = parseScopes(queryValues(query.scope));
    // `docker login` asks for a token without scope; a failure is recorded whenever it happens.
    if (credentials.kind === 'basic' && (!auth.ok || scopes.length === 0)) {
      await deps.tokenService.recordLogin({ username: credentials.username, clientIp: request.ip, success: auth.ok, at: deps.clock.now() });
    }
    if (!auth.ok) {
      request.log.info({ user: credentials.kind === 'basic' ? credentials.username : undefined }, 'login failed');
      reply.header('www-authenticate', `Basic realm="berth"`);
      throw new ApiError('UNAUTHORIZED', auth.reason);
    }
    if (auth.identity.kind === 'anonymous' && scopes.length === 0) {
      reply.header('www-authenticate', `Basic realm="berth"`);
      throw new ApiError('UNAUTHORIZED', 'authentication required');
    }
    if (auth.identity.kind !== 'anonymous') {
      refuseOverRate(deps.rateLimits.account('token', `${auth.identity.kind}:${identityName(auth.identity)}`), 'too many token requests for this account');
    }
    const access = await grant(deps, auth.identity, scopes);
    const now = deps.clock.now();
    const token = await deps.signer.sign(identityName(auth.identity), accountRef(auth.identity), access, Math.floor(now / 1000));
    logGrant(request, auth.identity, access);
    return {
      token,
      access_token: token,
      expires_in: deps.signer.expiresInSeconds,
      issued_at: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  });

  // containerd tries the OAuth POST flow first and falls back to GET on 405.
  app.post('/service/token', async (_request, reply) => {
    reply.header('allow', 'GET');
    throw new ApiError('METHOD_NOT_ALLOWED', 'use GET with Basic credentials');
  });
}

/** A limit reached: the registry's own 429 (clients of the token service are registry clients), with when to try again. */
function refuseOverRate(retryAfterSeconds: number | undefined, message: string): void {
  if (retryAfterSeconds !== undefined) throw new OciError('TOOMANYREQUESTS', undefined, message, { 'retry-after': String(retryAfterSeconds) });
}

/** The intersection of what each scope asks for and what the caller may do. */
async function grant(deps: TokenRouteDeps, identity: Identity, scopes: ResourceScope[]): Promise<ResourceScope[]> {
  const granted: ResourceScope[] = [];
  for (const scope of scopes) {
    if (scope.type === 'repository') {
      granted.push({ ...scope, actions: await repositoryActions(deps, identity, scope) });
    } else if (scope.type === 'registry' && scope.name === 'catalog') {
      // The catalog answers with only the repositories the caller can pull, so anyone may ask.
      granted.push({ ...scope, actions: scope.actions.filter((a) => a === '*') });
    } else {
      granted.push({ ...scope, actions: [] });
    }
  }
  return granted;
}

async function repositoryActions(deps: TokenRouteDeps, identity: Identity, scope: ResourceScope): Promise<string[]> {
  const parts = splitRepositoryName(scope.name);
  if (!parts) return [];
  const project = await deps.tokenService.findProject(parts.project);
  if (!project) return [];
  const allowed = await deps.access.repositoryActions(identity, project, scope.name);
  const requested = new Set<string>(scope.actions.includes('*') ? REPOSITORY_ACTIONS : scope.actions);
  return REPOSITORY_ACTIONS.filter((action: RepositoryAction) => requested.has(action) && allowed.has(action));
}

function logGrant(request: FastifyRequest, identity: Identity, access: ResourceScope[]): void {
  request.log.debug({ user: identityName(identity), access }, 'token issued');
}
