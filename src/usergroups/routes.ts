import { parsePaging, requireAuthenticated, requireSystem, setPagingHeaders, type ApiCaller, type ApiFeature } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { parseBody, queryParam } from '../platform/http/index.js';
import { userGroupCreate, userGroupUpdate } from './schema.js';
import { UserGroupService, userGroupJson, userGroupSearchItem, type Actor } from './service.js';

type IdParams = { group_id: string };

function groupId(raw: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'group_id must be a positive integer');
  return id;
}

function actor(caller: ApiCaller): Actor {
  return { identity: caller.identity, clientIp: caller.clientIp };
}

/** Harbor's /usergroups: administrators manage groups; any signed-in user may search them (to add one to a project). */
export const userGroupsApi: ApiFeature = (scope, deps) => {
  const groups = new UserGroupService({
    database: deps.database,
    clock: deps.clock,
    membershipsChanged: () => deps.access.membershipsChanged(),
    // As Harbor: in LDAP mode an LDAP group must exist in the directory to be added.
    directoryHasGroup: async (dn) =>
      deps.ldapGroupExists && (await deps.settings.pick(['auth_mode'])).auth_mode === 'ldap_auth' ? deps.ldapGroupExists(dn) : undefined,
  });

  scope.get('/usergroups', async (request, reply) => {
    requireSystem(request, deps.access, 'user-group', 'list');
    const paging = parsePaging(request.query);
    const name = queryParam(request.query, 'group_name');
    const dn = queryParam(request.query, 'ldap_group_dn');
    const { total, groups: page } = await groups.list(
      { ...(name ? { nameContains: name } : {}), ...(dn ? { ldapGroupDn: dn } : {}) },
      { limit: paging.pageSize, offset: paging.offset },
    );
    setPagingHeaders(request, reply, total, paging);
    return page.map(userGroupJson);
  });

  scope.post('/usergroups', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'user-group', 'create');
    const created = await groups.create(actor(caller), parseBody(userGroupCreate, request.body));
    reply.code(201).header('location', `/api/v2.0/usergroups/${created.id}`).send();
  });

  scope.get('/usergroups/search', async (request, reply) => {
    requireAuthenticated(request);
    const name = queryParam(request.query, 'groupname');
    if (!name) throw new ApiError('BAD_REQUEST', 'groupname is required');
    const paging = parsePaging(request.query);
    const { total, groups: page } = await groups.list({ nameContains: name }, { limit: paging.pageSize, offset: paging.offset });
    setPagingHeaders(request, reply, total, paging);
    return page.map(userGroupSearchItem);
  });

  scope.get<{ Params: IdParams }>('/usergroups/:group_id', async (request) => {
    requireSystem(request, deps.access, 'user-group', 'read');
    return userGroupJson(await groups.get(groupId(request.params.group_id)));
  });

  scope.put<{ Params: IdParams }>('/usergroups/:group_id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'user-group', 'update');
    const id = groupId(request.params.group_id);
    await groups.rename(actor(caller), id, parseBody(userGroupUpdate, request.body ?? {}).group_name);
    reply.code(200).send();
  });

  scope.delete<{ Params: IdParams }>('/usergroups/:group_id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'user-group', 'delete');
    await groups.delete(actor(caller), groupId(request.params.group_id));
    reply.code(200).send();
  });
};
