import { requireSystem, type ApiFeature } from '../../api/index.js';
import { parseBody, queryParam } from '../../platform/http/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { ldapConfSchema, ldapImportSchema, type LdapUserGroupJson, type LdapUserJson } from './schema.js';
import { LdapService } from './api-service.js';
import { GROUP_TYPES } from '../../auth/index.js';

/** Harbor's LDAP API: ping, user search and import, group search; system administrators only (Harbor's RBAC). */
export const ldapApi: ApiFeature = (scope, deps) => {
  const ldap = new LdapService(deps);

  scope.post('/ldap/ping', async (request) => {
    requireSystem(request, deps.access, 'configuration', 'read');
    return ldap.ping(parseBody(ldapConfSchema, request.body ?? {}));
  });

  scope.get('/ldap/users/search', async (request): Promise<LdapUserJson[]> => {
    requireSystem(request, deps.access, 'ldap-user', 'list');
    const username = queryParam(request.query, 'username') ?? '';
    if (Buffer.byteLength(username) > 255) throw new ApiError('BAD_REQUEST', 'username is longer than 255 bytes');
    const users = await ldap.searchUsers(username);
    return users.map((u) => ({ username: u.username, realname: u.realname, email: u.email }));
  });

  scope.post('/ldap/users/import', async (request, reply) => {
    requireSystem(request, deps.access, 'ldap-user', 'create');
    const { ldap_uid_list } = parseBody(ldapImportSchema, request.body);
    const failed = await ldap.importUsers(ldap_uid_list);
    // Harbor answers 404 with the uids it could not import (the others are imported).
    if (failed.length > 0) return reply.code(404).send(failed);
    return reply.code(200).send();
  });

  scope.get('/ldap/groups/search', async (request): Promise<LdapUserGroupJson[]> => {
    requireSystem(request, deps.access, 'ldap-user', 'list');
    const groupName = queryParam(request.query, 'groupname') ?? '';
    const groupDn = queryParam(request.query, 'groupdn') ?? '';
    if (groupName === '' && groupDn === '') throw new ApiError('BAD_REQUEST', 'give groupname or groupdn');
    if (Buffer.byteLength(groupName) > 4096 || Buffer.byteLength(groupDn) > 4096) throw new ApiError('BAD_REQUEST', 'groupname and groupdn are at most 4096 bytes');
    const groups = await ldap.searchGroups(groupName, groupDn);
    if (groups.length === 0) throw new ApiError('NOT_FOUND', `no LDAP group found for ${groupDn === '' ? `name ${groupName}` : `DN ${groupDn}`}`);
    return groups.map((g) => ({ group_name: g.name, group_type: GROUP_TYPES.ldap, ldap_group_dn: g.dn }));
  });
};
