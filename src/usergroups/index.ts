import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { userGroupsApi } from './routes.js';

export { UserGroupSearchItemShape, UserGroupShape, type UserGroupJson } from './schema.js';
export { resolveMemberGroup, type MemberGroupRef } from './service.js';

/** User groups (LDAP, HTTP, OIDC): Harbor's /usergroups API; groups are project members like users. */
export const userGroupsModule: FeatureModule<ApiDeps> = { name: 'usergroups', api: userGroupsApi };
