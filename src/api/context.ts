import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AccessControl,
  type ProjectPermissions,
  parseAuthorization,
  type Authenticator,
  ANONYMOUS,
  identityName,
  type Identity,
  CSRF_HEADER,
  SESSION_COOKIE,
  type SessionStore,
  findUserById,
  type RateLimits,
} from '../auth/index.js';
import type { Config } from '../platform/config/index.js';
import type { Database, Project } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import type { StorageDriver } from '../platform/storage/index.js';
import type { Clock } from '../platform/clock.js';
import type { Settings } from '../platform/settings/index.js';
import type { EventDispatcher } from '../platform/events/index.js';
import type { JobService } from '../platform/jobs/index.js';
import type { ContentService, Gates } from '../content/index.js';
import type { Metrics } from '../platform/metrics/index.js';
import type { OidcUserMetaJson } from '../users/index.js';
import { readCookie, setRequestProject, setRequestUser } from '../platform/http/index.js';

/** Everything a management API feature needs; passed to each feature's route registration. */
export interface ApiDeps {
  config: Config;
  database: Database;
  storage: StorageDriver;
  clock: Clock;
  authenticator: Authenticator;
  access: AccessControl;
  sessions: SessionStore;
  settings: Settings;
  jobs: JobService;
  events: EventDispatcher;
  /** The content domain: every push, tag, copy and delete goes through it. */
  content: ContentService;
  /** Every push and pull gate the features contribute. */
  gates: Gates;
  /** The app's Prometheus metrics: features add their counters and scrape-time gauges. */
  metrics: Metrics;
  /** Request rate limits per client address and per account (this instance's counts). */
  rateLimits: RateLimits;
  /** Harbor's `oidc_user_meta` of a user who signed in through OIDC (their CLI secret), for `GET /users/current`. */
  oidcUserMeta?: (userId: number) => Promise<OidcUserMetaJson | undefined>;
  /** Whether the LDAP directory has a group at a DN, for adding LDAP user groups in LDAP mode. */
  ldapGroupExists?: (dn: string) => Promise<boolean>;
}

export interface ApiCaller {
  identity: Identity;
  /** Set when the request was authenticated by a browser session cookie. */
  viaSession: boolean;
  /** The session's stored id, when the request was authenticated by a session cookie. */
  sessionId?: string;
  clientIp: string;
}

const callers = new WeakMap<FastifyRequest, ApiCaller>();

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates every /api/v2.0 request: Basic (user or robot), or the session cookie. No
 * credentials: anonymous. A request carrying the session cookie on an unsafe method must carry
 * its CSRF token, whatever else authenticates it (see `checkCsrf`).
 */
export function installApiAuthentication(scope: FastifyInstance, deps: ApiDeps): void {
  scope.addHook('onRequest', async (request, reply) => {
    refuseOverRate(reply, deps.rateLimits.client('api', request.ip), 'too many requests from this address');
    let identity: Identity = ANONYMOUS;
    let viaSession = false;
    let sessionId: string | undefined;
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE) || undefined;
    const session = cookie ? await deps.sessions.find(cookie, deps.clock.now()) : undefined;
    if (session) reply.header(CSRF_HEADER, session.csrfToken);
    checkCsrf(request, cookie, session?.csrfToken);
    const credentials = parseAuthorization(request.headers.authorization);
    if (credentials.kind === 'basic') {
      const auth = await deps.authenticator.password(credentials.username, credentials.password, request.ip);
      if (!auth.ok && auth.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(auth.retryAfterSeconds));
        throw new ApiError('TOO_MANY_REQUEST', auth.reason);
      }
      if (!auth.ok) throw new ApiError('UNAUTHORIZED', auth.reason);
      identity = auth.identity;
    } else if (credentials.kind !== 'none') {
      throw new ApiError('UNAUTHORIZED', 'use Basic credentials or a session');
    } else if (session) {
      const user = await findUserById(deps.database.db, session.userId);
      if (user) {
        identity = { kind: 'user', id: user.id, username: user.username, sysadmin: user.sysadmin_flag === 1 || user.group_admin === 1 };
        viaSession = true;
        sessionId = session.id;
      }
    }
    if (identity.kind !== 'anonymous') {
      refuseOverRate(reply, deps.rateLimits.account('api', `${identity.kind}:${identityName(identity)}`), 'too many requests from this account');
    }
    callers.set(request, { identity, viaSession, ...(sessionId === undefined ? {} : { sessionId }), clientIp: request.ip });
    setRequestUser(request, identityName(identity) || 'anonymous');
  });
}

/** A limit reached: Harbor's 429, with when to try again. */
function refuseOverRate(reply: FastifyReply, retryAfterSeconds: number | undefined, message: string): void {
  if (retryAfterSeconds === undefined) return;
  reply.header('retry-after', String(retryAfterSeconds));
  throw new ApiError('TOO_MANY_REQUEST', message);
}

/**
 * A browser attaches the session cookie to a cross-site request on its own, and Basic
 * credentials it has cached too, but only a page of this origin can read the token to send
 * it back. So, as Harbor does, an unsafe request that carries the session cookie must carry
 * the session's token even when an Authorization header also comes with it; a cookie naming
 * no live session has no token to match and is refused the same way. Scripts that send Basic
 * credentials and no cookie are not browsers and are not asked.
 */
function checkCsrf(request: FastifyRequest, cookie: string | undefined, token: string | undefined): void {
  if (cookie === undefined || !UNSAFE_METHODS.has(request.method)) return;
  if (token === undefined) throw new ApiError('FORBIDDEN', 'the session cookie names no live session: sign in again, or send no session cookie');
  if (request.headers[CSRF_HEADER] !== token) throw new ApiError('FORBIDDEN', 'CSRF token missing or incorrect');
}

export function apiCaller(request: FastifyRequest): ApiCaller {
  const caller = callers.get(request);
  if (!caller) throw new Error('API request was not authenticated');
  return caller;
}

export function requireAuthenticated(request: FastifyRequest): ApiCaller {
  const caller = apiCaller(request);
  if (caller.identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
  return caller;
}

/** A system-level permission (users, configuration, audit logs…). */
export function requireSystem(request: FastifyRequest, access: AccessControl, resource: string, action: string): ApiCaller {
  const caller = requireAuthenticated(request);
  if (!access.systemCan(caller.identity, resource, action)) {
    throw new ApiError('FORBIDDEN', `not allowed to ${action} ${resource}`);
  }
  return caller;
}

/**
 * How a request names a project. Harbor's `{project_name}` paths (and a copy's `from=`) always
 * name it; `{project_name_or_id}` paths take an id when the value is all digits, unless the
 * header `X-Is-Resource-Name: true` says it is a name; bodies and queries that carry a
 * `project_id` give an id. A reference is resolved to its project row once, and every later
 * step uses that row, never the string again.
 */
export type ProjectRef = { by: 'name'; name: string } | { by: 'id'; id: number };

/** A `{project_name}` path parameter, or any other place where the value is always a name. */
export function projectByName(name: string): ProjectRef {
  return { by: 'name', name };
}

export function projectById(id: number): ProjectRef {
  return { by: 'id', id };
}

/** A `{project_name_or_id}` path parameter, read as Harbor reads it. */
export function projectByNameOrId(request: FastifyRequest, nameOrId: string): ProjectRef {
  if (request.headers['x-is-resource-name'] !== 'true' && /^\d+$/.test(nameOrId)) return projectById(Number(nameOrId));
  return projectByName(nameOrId);
}

function describeRef(ref: ProjectRef): string {
  return ref.by === 'name' ? ref.name : String(ref.id);
}

/**
 * Resolves a project reference and checks a permission in it. A project the caller cannot
 * read at all answers 404, so private projects do not leak their names.
 */
export async function requireProject(
  request: FastifyRequest,
  deps: Pick<ApiDeps, 'database' | 'access'>,
  ref: ProjectRef,
  resource: string,
  action: string,
): Promise<{ caller: ApiCaller; project: Project; permissions: ProjectPermissions }> {
  const caller = apiCaller(request);
  const project = await findProject(deps.database, ref);
  setRequestProject(request, project?.name ?? describeRef(ref));
  const permissions = project ? await deps.access.forProject(caller.identity, project) : undefined;
  if (!project || !permissions || !permissions.can('', 'read')) {
    if (caller.identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
    throw new ApiError('NOT_FOUND', `project ${describeRef(ref)} not found`);
  }
  if (!permissions.can(resource, action)) {
    if (caller.identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
    throw new ApiError('FORBIDDEN', `not allowed to ${action} ${resource || 'the project'} in project ${project.name}`);
  }
  return { caller, project, permissions };
}

export async function findProject(database: Database, ref: ProjectRef): Promise<Project | undefined> {
  const query = database.db.selectFrom('projects').selectAll();
  if (ref.by === 'id') return Number.isSafeInteger(ref.id) ? query.where('id', '=', ref.id).executeTakeFirst() : undefined;
  return query.where('name', '=', ref.name).executeTakeFirst();
}
