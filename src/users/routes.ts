import type { FastifyRequest } from 'fastify';
import {
  apiCaller,
  parsePaging,
  parseQuery,
  requireAuthenticated,
  requireSystem,
  setPagingHeaders,
  type ApiCaller,
  type ApiFeature,
  type QueryTerm,
} from '../api/index.js';
import type { User } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { parseSortParam, queryParam } from '../platform/http/index.js';
import { permissionsIn } from './permissions.js';
import * as repo from './repo.js';
import { toSearchItem, toUserResp } from './responses.js';
import { parseBody, parseBooleanParam, parseId, passwordSchema, sysadminFlagSchema, userCreationSchema, userProfileSchema } from './schema.js';
import { UserService, type Actor } from './service.js';

type Query = Record<string, string | undefined>;
type IdParams = { user_id: string };

const SORT_COLUMNS = {
  user_id: 'id',
  username: 'username',
  email: 'email',
  realname: 'realname',
  creation_time: 'created_at',
  update_time: 'updated_at',
} as const;

function parseSort(sort: unknown): repo.UserListQuery['sort'] {
  return parseSortParam(sort, SORT_COLUMNS);
}

function actor(caller: ApiCaller): Actor {
  return { identity: caller.identity, clientIp: caller.clientIp };
}

function isSelf(caller: ApiCaller, id: number): boolean {
  return caller.identity.kind === 'user' && caller.identity.id === id;
}

/** Harbor's /users API. */
export const usersApi: ApiFeature = (scope, deps) => {
  const users = new UserService({
    database: deps.database,
    clock: deps.clock,
    authenticator: deps.authenticator,
    membershipsChanged: () => deps.access.membershipsChanged(),
  });

  /**
   * Harbor's "modifiable": yourself, or anyone with user:update. Beyond Harbor, another
   * administrator's account is changed only by an administrator, so a robot granted
   * user:update cannot take one over.
   */
  async function requireModifiable(request: FastifyRequest<{ Params: IdParams }>): Promise<{ caller: ApiCaller; id: number; user: User }> {
    const caller = requireAuthenticated(request);
    const id = parseId(request.params.user_id, 'user_id');
    if (!isSelf(caller, id) && !deps.access.systemCan(caller.identity, 'user', 'update')) {
      throw new ApiError('FORBIDDEN', `not allowed to update user ${id}`);
    }
    const user = await users.get(id);
    if (user.sysadmin_flag === 1 && !isSelf(caller, id) && !(caller.identity.kind === 'user' && caller.identity.sysadmin)) {
      throw new ApiError('FORBIDDEN', 'only a system administrator may change an administrator account');
    }
    return { caller, id, user };
  }

  scope.post('/users', async (request, reply) => {
    const caller = apiCaller(request);
    if (!deps.access.systemCan(caller.identity, 'user', 'create')) {
      const { self_registration } = await deps.settings.get();
      if (!self_registration) {
        if (caller.identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
        throw new ApiError('FORBIDDEN', 'not allowed to create users: self-registration is off');
      }
    }
    const user = await users.create(actor(caller), parseBody(userCreationSchema, request.body));
    reply.code(201).header('location', `/api/v2.0/users/${user.id}`).send();
  });

  scope.get<{ Querystring: Query }>('/users', async (request, reply) => {
    requireSystem(request, deps.access, 'user', 'list');
    const paging = parsePaging(request.query);
    const q = parseQuery(queryParam(request.query, 'q'), ['username', 'email', 'realname', 'user_id']);
    const text: Array<{ column: 'username' | 'email' | 'realname'; term: QueryTerm }> = [];
    for (const column of ['username', 'email', 'realname'] as const) {
      const term = q.get(column);
      if (term) text.push({ column, term });
    }
    // Harbor also takes `username` and `email` as plain parameters, matched fuzzily.
    for (const column of ['username', 'email'] as const) {
      const value = queryParam(request.query, column);
      if (value) text.push({ column, term: { kind: 'fuzzy', value } });
    }
    const filter = { text, ids: q.get('user_id') };
    const total = await repo.countUsers(deps.database.db, filter);
    const rows =
      total > paging.offset
        ? await repo.listUsers(deps.database.db, { ...filter, sort: parseSort(queryParam(request.query, 'sort')), limit: paging.pageSize, offset: paging.offset })
        : [];
    setPagingHeaders(request, reply, total, paging);
    return rows.map(toUserResp);
  });

  scope.get<{ Querystring: Query }>('/users/search', async (request, reply) => {
    requireAuthenticated(request);
    const username = queryParam(request.query, 'username');
    if (!username) throw new ApiError('BAD_REQUEST', 'username is required');
    const paging = parsePaging(request.query);
    const filter = { text: [{ column: 'username' as const, term: { kind: 'fuzzy' as const, value: username } }] };
    const total = await repo.countUsers(deps.database.db, filter);
    const rows =
      total > paging.offset
        ? await repo.listUsers(deps.database.db, { ...filter, sort: [{ column: 'username', descending: false }], limit: paging.pageSize, offset: paging.offset })
        : [];
    setPagingHeaders(request, reply, total, paging);
    return rows.map(toSearchItem);
  });

  scope.get('/users/current', async (request) => {
    const caller = requireAuthenticated(request);
    // Harbor answers 412 for callers that are not a local user (robots).
    if (caller.identity.kind !== 'user') throw new ApiError('PRECONDITION', `the current user is not available for a ${caller.identity.kind} account`);
    const resp = toUserResp(await users.get(caller.identity.id));
    // As Harbor: an OIDC user sees their own CLI secret here, and nowhere else.
    const oidcUserMeta = await deps.oidcUserMeta?.(caller.identity.id);
    return oidcUserMeta ? { ...resp, oidc_user_meta: oidcUserMeta } : resp;
  });

  scope.get<{ Querystring: Query }>('/users/current/permissions', async (request) => {
    const caller = requireAuthenticated(request);
    const relative = parseBooleanParam(queryParam(request.query, 'relative'), 'relative') ?? false;
    return permissionsIn(deps, caller.identity, queryParam(request.query, 'scope'), relative);
  });

  scope.get<{ Params: IdParams }>('/users/:user_id', async (request) => {
    const caller = requireAuthenticated(request);
    const id = parseId(request.params.user_id, 'user_id');
    if (!isSelf(caller, id) && !deps.access.systemCan(caller.identity, 'user', 'read')) {
      throw new ApiError('FORBIDDEN', `not allowed to read user ${id}`);
    }
    return toUserResp(await users.get(id));
  });

  scope.put<{ Params: IdParams }>('/users/:user_id', async (request, reply) => {
    const { caller, id } = await requireModifiable(request);
    await users.updateProfile(actor(caller), id, parseBody(userProfileSchema, request.body));
    reply.code(200).send();
  });

  scope.delete<{ Params: IdParams }>('/users/:user_id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'user', 'delete');
    const id = parseId(request.params.user_id, 'user_id');
    await users.delete(actor(caller), id);
    reply.code(200).send();
  });

  scope.put<{ Params: IdParams }>('/users/:user_id/password', async (request, reply) => {
    const { caller, id } = await requireModifiable(request);
    await users.changePassword(actor(caller), id, parseBody(passwordSchema, request.body), caller.sessionId);
    reply.code(200).send();
  });

  scope.put<{ Params: IdParams }>('/users/:user_id/sysadmin', async (request, reply) => {
    const caller = requireAuthenticated(request);
    const id = parseId(request.params.user_id, 'user_id');
    // Administrators make administrators: no robot permission reaches this.
    if (!(caller.identity.kind === 'user' && caller.identity.sysadmin)) {
      throw new ApiError('FORBIDDEN', 'only a system administrator may change the administrator role');
    }
    const { sysadmin_flag } = parseBody(sysadminFlagSchema, request.body);
    await users.setSysadmin(actor(caller), id, sysadmin_flag);
    reply.code(200).send();
  });
};
